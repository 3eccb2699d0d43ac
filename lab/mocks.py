"""Pulumi mocks that record every registration, with the options the engine would see."""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi.runtime.mocks import MockMonitor
from pulumi.runtime.proto import callback_pb2

from fleet.stack.load import load_stack_file, parse_fleet
from fleet.stack.owner import StackOwner
from fleet.stack.spec import FleetSpec
from lab.paths import STACKS_DIR

# The stack the mocks run as, so the owner every fake node is labelled with.
MOCK_OWNER = StackOwner("gpu-fleet", "test")
FAKE_KUBECONFIG = "apiVersion: v1\nkind: Config\nclusters: []\n"


@dataclass
class Registration:
    """One RegisterResource call: what the engine is asked to create, and how."""

    type: str
    name: str
    urn: str
    parent: str
    custom: bool
    inputs: dict[str, Any]
    provider: str
    dependencies: list[str]
    delete_before_replace: bool
    replace_on_changes: list[str]
    additional_secret_outputs: list[str]
    ignore_changes: list[str]
    protect: bool
    retain_on_delete: bool
    # (create, update, delete) timeouts; empty strings where not set.
    custom_timeouts: tuple[str, str, str]
    aliases: int
    # The transforms the engine would run on the resource and its children.
    transforms: list[pulumi.ResourceTransform] = field(default_factory=list)


@dataclass
class Deployment:
    """Everything one program run registered, in order."""

    registrations: list[Registration] = field(default_factory=list)

    def of_type(self, type_token: str) -> list[Registration]:
        return [r for r in self.registrations if r.type == type_token]

    def named(self, name: str) -> Registration:
        (found,) = [r for r in self.registrations if r.name == name]
        return found

    def children_of(self, parent: Registration) -> list[Registration]:
        return [r for r in self.registrations if r.parent == parent.urn]


class FleetMocks(pulumi.runtime.Mocks):
    """Resources echo their inputs; kind "prints" a kubeconfig, Helm reports a status."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        outputs = dict(args.inputs)
        if args.typ == "command:local:Command":
            outputs["stdout"] = FAKE_KUBECONFIG
        if args.typ == "kubernetes:helm.sh/v3:Release":
            outputs["status"] = {"status": "deployed"}
        return f"{args.name}-id", outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[Any]]:
        return {}, []


class TransformCallbacks:
    """Stands in for the SDK's callback server, which serves transforms to the engine:
    it hands out a token per transform function, and keeps the function by token."""

    target = "mock-callbacks"

    def __init__(self) -> None:
        self.transforms: dict[str, pulumi.ResourceTransform] = {}

    def register_transform(self, transform: pulumi.ResourceTransform) -> callback_pb2.Callback:
        token = str(len(self.transforms))
        self.transforms[token] = transform
        return callback_pb2.Callback(token=token, target=self.target)


class RecordingMonitor(MockMonitor):
    def __init__(self, deployment: Deployment, callbacks: TransformCallbacks) -> None:
        super().__init__(FleetMocks())
        self.deployment = deployment
        self.callbacks = callbacks

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            self.deployment.registrations.append(
                Registration(
                    type=request.type,
                    name=request.name,
                    urn=response.urn,
                    parent=request.parent,
                    custom=request.custom,
                    inputs=pulumi.runtime.rpc.deserialize_properties(request.object),
                    provider=request.provider,
                    dependencies=list(request.dependencies),
                    delete_before_replace=request.deleteBeforeReplace,
                    replace_on_changes=list(request.replaceOnChanges),
                    additional_secret_outputs=list(request.additionalSecretOutputs),
                    ignore_changes=list(request.ignoreChanges),
                    protect=request.protect,
                    retain_on_delete=request.retainOnDelete,
                    custom_timeouts=(
                        request.customTimeouts.create,
                        request.customTimeouts.update,
                        request.customTimeouts.delete,
                    ),
                    aliases=len(request.aliases),
                    transforms=[
                        self.callbacks.transforms[callback.token] for callback in request.transforms
                    ],
                )
            )
        return response


Deploy = Callable[[FleetSpec], Deployment]


def install_mocks() -> Deployment:
    """Fresh mocks whose registrations land in the returned deployment."""
    deployment = Deployment()
    callbacks = TransformCallbacks()
    pulumi.runtime.set_mocks(
        FleetMocks(),
        project=MOCK_OWNER.project,
        stack=MOCK_OWNER.stack,
        monitor=RecordingMonitor(deployment, callbacks),
    )
    pulumi.runtime.settings.SETTINGS.callbacks = callbacks
    return deployment


def is_secret(output: pulumi.Output[Any]) -> pulumi.Output[bool]:
    return pulumi.Output.from_input(asyncio.ensure_future(output.is_secret()))


def stack(name: str) -> FleetSpec:
    return load_stack_file(STACKS_DIR / f"Pulumi.{name}.yaml")


def spec_from(config: dict[str, Any]) -> FleetSpec:
    return parse_fleet(config, "test")
