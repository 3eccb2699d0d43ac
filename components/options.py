"""Resource options a component passes to its children.

A component's children get the options it was given, merged rather than
rebuilt, so that `protect`, `retain_on_delete`, `custom_timeouts`,
`ignore_changes`, `deleted_with`, `depends_on` and the rest reach the resources
that carry them. Left out are the options that name the component itself
(`id`, `import_`, `urn`, `aliases`: the engine derives a child's aliases from its
parent's) and those that already reach the children through their parent
(`transformations`, `transforms`): passing them again would apply them twice.

Children would not otherwise follow what the component depends on (the engine
does not pass a parent's `depends_on` down), yet a node must not be created
before KWOK's stages exist; the merged `depends_on` sees to that.
"""

import copy

import pulumi

# Options of the component alone: they name it, or reach its children through the parent.
_COMPONENT_ONLY = ("id", "import_", "urn", "aliases", "transformations", "transforms")


def child_options(
    parent: pulumi.Resource,
    opts: pulumi.ResourceOptions | None,
    extra: pulumi.ResourceOptions | None = None,
) -> pulumi.ResourceOptions:
    """The component's `opts`, parented to it, merged with the child's own `extra` options."""
    inherited = copy.copy(opts) if opts is not None else pulumi.ResourceOptions()
    for name in _COMPONENT_ONLY:
        setattr(inherited, name, None)
    child = pulumi.ResourceOptions.merge(inherited, pulumi.ResourceOptions(parent=parent))
    return pulumi.ResourceOptions.merge(child, extra) if extra is not None else child


def next_in_sequence(
    parent: pulumi.Resource, opts: pulumi.ResourceOptions | None, previous: pulumi.Resource | None
) -> pulumi.ResourceOptions:
    """Options for the next of children created one after another.

    The first follows what the component follows; each later one follows the
    child before it instead (and so, through it, the component's dependencies).
    """
    child = child_options(parent, opts)
    if previous is not None:
        child.depends_on = [previous]
    return child
