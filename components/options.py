"""Resource options shared by the components."""

import pulumi


def child_options(
    parent: pulumi.Resource, opts: pulumi.ResourceOptions | None
) -> pulumi.ResourceOptions:
    """Options for a component's children: parented to it, and after what it must follow.

    Children inherit a component's provider but not its `depends_on`: without
    passing it on, a node could be created before KWOK's stages exist.
    """
    depends_on = opts.depends_on if opts is not None else None
    return pulumi.ResourceOptions(parent=parent, depends_on=depends_on)


def next_in_sequence(
    parent: pulumi.Resource, opts: pulumi.ResourceOptions | None, previous: pulumi.Resource | None
) -> pulumi.ResourceOptions:
    """Options for the next of children created one after another.

    The first follows what the component follows; each later one follows the
    child before it.
    """
    if previous is None:
        return child_options(parent, opts)
    return pulumi.ResourceOptions(parent=parent, depends_on=[previous])
