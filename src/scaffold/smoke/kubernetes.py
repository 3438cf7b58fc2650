"""A generated project's Kubernetes manifests: they render, they are valid, they hold policy.

No cluster here, so the proof is static: every overlay in `deploy/k8s/overlays/` renders
with `kubectl kustomize`, every object it renders is valid against the API schemas of
`KUBERNETES_VERSION` (kubernetes-validate, strict: an unknown field is an error), and the
objects hold the policy in `policy_problems`: what a reviewer would otherwise check by
hand for every container, Deployment and Ingress.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scaffold.smoke.report import Outcome
from scaffold.smoke.tools import Ran, ToolMissing, find_tool, run

if TYPE_CHECKING:
    from scaffold.smoke.context import Context

KUBERNETES_VERSION = "1.31.0"
OVERLAYS = Path("deploy") / "k8s" / "overlays"

# Long-running pods behind a Service: their containers need probes. A Job's pod runs to
# completion.
SERVING_KINDS = ("Deployment", "StatefulSet", "DaemonSet")
POD_TEMPLATE_KINDS = (*SERVING_KINDS, "Job")

# Environment variables whose value is a secret, or holds one (a URL with a password).
SECRET_NAME = re.compile(
    r"SECRET|PASSWORD|PASSWD|TOKEN|CREDENTIAL|PRIVATE|(^|_)KEY$|DSN$|"
    r"^(DATABASE|CACHE|EMAIL|REDIS|BROKER|CELERY_BROKER)_URL$"
)


@dataclass(frozen=True)
class Rendered:
    overlay: str  # e.g. "staging"
    objects: list[dict[str, Any]]


def find_overlays(project: Path) -> list[Path]:
    folder = project / OVERLAYS
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if (p / "kustomization.yaml").is_file())


def _kubectl() -> Path | Outcome:
    try:
        return find_tool("kubectl")
    except ToolMissing as exc:
        return Outcome.skip(f"kubectl is not installed, so the manifests cannot render: {exc}")


def _render(kubectl: Path, ctx: Context, overlay: Path) -> Ran:
    return run([kubectl, "kustomize", overlay], cwd=ctx.project, env=ctx.env, timeout=120)


def render_all(ctx: Context) -> list[Rendered] | Outcome:
    """Every overlay rendered and parsed, or the outcome that says why not."""
    import yaml

    overlays = find_overlays(ctx.project)
    if not overlays:
        return Outcome.fail(f"no overlays in {OVERLAYS.as_posix()}/ (a kustomization.yaml each)")
    kubectl = _kubectl()
    if isinstance(kubectl, Outcome):
        return kubectl
    rendered: list[Rendered] = []
    for overlay in overlays:
        ran = _render(kubectl, ctx, overlay)
        if not ran.ok:
            return Outcome.fail(
                f"kubectl kustomize {overlay.name} exited {ran.returncode}", ran.output
            )
        try:
            documents = [d for d in yaml.safe_load_all(ran.output) if d is not None]
        except yaml.YAMLError as exc:
            return Outcome.fail(f"{overlay.name} rendered YAML that does not parse: {exc}")
        objects = [d for d in documents if isinstance(d, dict)]
        if len(objects) != len(documents) or not objects:
            return Outcome.fail(f"{overlay.name} rendered something other than objects", ran.output)
        (ctx.scratch / f"k8s-{overlay.name}.yaml").write_text(ran.output, encoding="utf-8")
        rendered.append(Rendered(overlay.name, objects))
    return rendered


def check_render(ctx: Context) -> Outcome:
    rendered = render_all(ctx)
    if isinstance(rendered, Outcome):
        return rendered
    counts = ", ".join(f"{r.overlay}: {len(r.objects)} objects" for r in rendered)
    return Outcome.ok(f"kubectl kustomize rendered {counts}")


def check_schema(ctx: Context) -> Outcome:
    rendered = render_all(ctx)
    if isinstance(rendered, Outcome):
        return rendered
    try:
        validate = find_tool("kubernetes-validate")
    except ToolMissing as exc:
        return Outcome.fail(str(exc))
    for item in rendered:
        ran = run(
            [
                validate,
                *("--kubernetes-version", KUBERNETES_VERSION, "--strict", "--quiet"),
                ctx.scratch / f"k8s-{item.overlay}.yaml",
            ],
            cwd=ctx.project,
            env=ctx.env,
            timeout=300,
        )
        if not ran.ok:
            return Outcome.fail(
                f"{item.overlay}: not valid against Kubernetes {KUBERNETES_VERSION}", ran.output
            )
    return Outcome.ok(f"every object valid against Kubernetes {KUBERNETES_VERSION} (strict)")


def check_policy(ctx: Context) -> Outcome:
    rendered = render_all(ctx)
    if isinstance(rendered, Outcome):
        return rendered
    problems = [
        f"{item.overlay}: {problem}"
        for item in rendered
        for problem in policy_problems(item.objects)
    ]
    if problems:
        return Outcome.fail(f"{len(problems)} policy problems", "\n".join(problems))
    return Outcome.ok()


# --- the policy ---------------------------------------------------------------------------


def _name(obj: Mapping[str, Any]) -> str:
    return f"{obj.get('kind')}/{_get(obj, 'metadata', 'name')}"


def _get(obj: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(key)
    return obj


def _pod_spec(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    spec = _get(obj, "spec", "template", "spec")
    return spec if isinstance(spec, Mapping) else {}


def _pod_labels(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    labels = _get(obj, "spec", "template", "metadata", "labels")
    return labels if isinstance(labels, Mapping) else {}


def _containers(pod: Mapping[str, Any]) -> Iterator[tuple[Mapping[str, Any], bool]]:
    """Each container of a pod, and whether it keeps running (an init container ends)."""
    for key in ("initContainers", "containers"):
        for container in pod.get(key) or []:
            if isinstance(container, Mapping):
                yield container, key == "containers"


def _selects(selector: Any, labels: Mapping[str, Any]) -> bool:
    """Whether a label selector (matchLabels, matchExpressions) picks these labels."""
    if not isinstance(selector, Mapping) or not selector:
        return False
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions") or []:
        key, operator = expression.get("key"), expression.get("operator")
        values = expression.get("values") or []
        present = key in labels
        if (
            (operator == "In" and labels.get(key) not in values)
            or (operator == "NotIn" and present and labels.get(key) in values)
            or (operator == "Exists" and not present)
            or (operator == "DoesNotExist" and present)
        ):
            return False
    return True


def image_problem(image: Any) -> str | None:
    if not isinstance(image, str) or not image:
        return "has no image"
    if "@sha256:" in image:
        return None
    tail = image.rsplit("/", 1)[-1]
    if ":" not in tail:
        return f"image {image} has no tag"
    if tail.rsplit(":", 1)[1] == "latest":
        return f"image {image} uses the tag latest"
    return None


def container_problems(
    pod: Mapping[str, Any], container: Mapping[str, Any], serving: bool
) -> list[str]:
    problems: list[str] = []
    pod_security = pod.get("securityContext") or {}
    security = container.get("securityContext") or {}

    def effective(key: str) -> Any:
        return security.get(key, pod_security.get(key))

    if effective("runAsNonRoot") is not True or effective("runAsUser") == 0:
        problems.append("may run as root (runAsNonRoot is not true)")
    if security.get("readOnlyRootFilesystem") is not True:
        problems.append("has a writable root filesystem (readOnlyRootFilesystem is not true)")
    if security.get("allowPrivilegeEscalation") is not False:
        problems.append("may gain privileges (allowPrivilegeEscalation is not false)")
    if "ALL" not in (_get(security, "capabilities", "drop") or []):
        problems.append("keeps Linux capabilities (capabilities.drop lacks ALL)")
    resources = container.get("resources") or {}
    for kind in ("requests", "limits"):
        missing = [r for r in ("cpu", "memory") if r not in (resources.get(kind) or {})]
        if missing:
            problems.append(f"has no {' or '.join(missing)} {kind}")
    if serving:
        for probe in ("livenessProbe", "readinessProbe"):
            if not container.get(probe):
                problems.append(f"has no {probe}")
    image = image_problem(container.get("image"))
    if image:
        problems.append(image)
    for variable in container.get("env") or []:
        name = str(variable.get("name", ""))
        if SECRET_NAME.search(name) and not _get(variable, "valueFrom", "secretKeyRef"):
            problems.append(f"sets {name} other than from a Secret (valueFrom.secretKeyRef)")
    return problems


def policy_problems(objects: list[dict[str, Any]]) -> list[str]:
    """What the rendered objects of one overlay get wrong; empty when they hold policy."""
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for obj in objects:
        by_kind.setdefault(str(obj.get("kind")), []).append(obj)
    return [
        *_workload_problems(objects),
        *_secret_problems(by_kind),
        *_availability_problems(by_kind),
        *(
            f"{_name(ingress)} {problem}"
            for ingress in by_kind.get("Ingress", [])
            for problem in _tls_problems(ingress)
        ),
    ]


def _workload_problems(objects: list[dict[str, Any]]) -> list[str]:
    problems: list[str] = []
    selectors = [
        _get(service, "spec", "selector") or {}
        for service in objects
        if service.get("kind") == "Service"
    ]
    for obj in objects:
        if obj.get("kind") not in POD_TEMPLATE_KINDS:
            continue
        pod = _pod_spec(obj)
        if not pod.get("containers"):
            problems.append(f"{_name(obj)} has no containers")
        # Probes matter where a Service sends traffic; a background process (a queue
        # worker, a scheduler) may have none and be restarted when it exits.
        behind_service = any(
            selector and _selects({"matchLabels": selector}, _pod_labels(obj))
            for selector in selectors
        )
        for container, long_running in _containers(pod):
            serving = long_running and obj.get("kind") in SERVING_KINDS and behind_service
            where = f"{_name(obj)} container {container.get('name')}"
            problems += [f"{where} {p}" for p in container_problems(pod, container, serving)]
    return problems


def _secret_problems(by_kind: Mapping[str, list[dict[str, Any]]]) -> list[str]:
    problems: list[str] = []
    for secret in by_kind.get("Secret", []):
        if secret.get("data") or secret.get("stringData"):
            problems.append(f"{_name(secret)} carries secret values: keep them out of git")
    for config in by_kind.get("ConfigMap", []):
        for key in config.get("data") or {}:
            if SECRET_NAME.search(str(key)):
                problems.append(f"{_name(config)} holds {key}, which belongs in a Secret")
    return problems


def _availability_problems(by_kind: Mapping[str, list[dict[str, Any]]]) -> list[str]:
    """Every Deployment has a disruption budget; every one behind the Ingress autoscales."""
    problems: list[str] = []
    budgets = by_kind.get("PodDisruptionBudget", [])
    for deployment in by_kind.get("Deployment", []):
        labels = _pod_labels(deployment)
        if not any(_selects(_get(b, "spec", "selector"), labels) for b in budgets):
            problems.append(f"{_name(deployment)} has no PodDisruptionBudget selecting its pods")
    targets = {
        _get(scaler, "spec", "scaleTargetRef", "name")
        for scaler in by_kind.get("HorizontalPodAutoscaler", [])
        if _get(scaler, "spec", "scaleTargetRef", "kind") == "Deployment"
    }
    for deployment in _behind_ingress(by_kind):
        if _get(deployment, "metadata", "name") not in targets:
            problems.append(f"{_name(deployment)} serves the Ingress but has no autoscaler")
    return problems


def _behind_ingress(by_kind: Mapping[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The Deployments whose pods a Service routed to by an Ingress selects: the web ones."""
    routed: set[Any] = set()
    for ingress in by_kind.get("Ingress", []):
        routed.add(_get(ingress, "spec", "defaultBackend", "service", "name"))
        for rule in _get(ingress, "spec", "rules") or []:
            for path in _get(rule, "http", "paths") or []:
                routed.add(_get(path, "backend", "service", "name"))
    routed.discard(None)
    selectors = [
        _get(service, "spec", "selector") or {}
        for service in by_kind.get("Service", [])
        if _get(service, "metadata", "name") in routed
    ]
    return [
        deployment
        for deployment in by_kind.get("Deployment", [])
        if any(
            selector and _selects({"matchLabels": selector}, _pod_labels(deployment))
            for selector in selectors
        )
    ]


def _tls_problems(ingress: Mapping[str, Any]) -> list[str]:
    tls = _get(ingress, "spec", "tls") or []
    if not tls:
        return ["has no TLS"]
    covered = {host for entry in tls for host in entry.get("hosts") or []}
    hosts = [rule.get("host") for rule in _get(ingress, "spec", "rules") or []]
    return [f"serves {host or 'every host'} without TLS" for host in hosts if host not in covered]
