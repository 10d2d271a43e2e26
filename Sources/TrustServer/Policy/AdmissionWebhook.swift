import Ledger
import Policy
import Provenance

/// The validating admission webhook for KubeVirt `VirtualMachine` and `VirtualMachineInstance` objects
/// (`POST /v1/admission`).
///
/// Every disk image the object references (``KubeVirtDisks``) is authorised as a `POST /v1/authorize` request
/// would be, each decision stored (and logged when the policy asks):
/// - user: `userInfo.username`; groups: `userInfo.groups`; project: the request's namespace;
/// - environment: the object's label or annotation `vmtrust.io/environment` (on a `VirtualMachine` also on
///   `spec.template.metadata`), else the server's `--admission-environment`, else none (only scopes that do not
///   name environments match);
/// - the object is allowed only if every disk is allowed; the reasons of each denial, prefixed with the volume,
///   are the status message; warn-mode findings and break-glass uses are AdmissionReview `warnings`.
///
/// Volumes vmtrust cannot check — a disk image without a digest (no `vmtrust.io/digest.<volume>` annotation and
/// no `sha256:` digest in its reference, or a malformed annotation) and volumes of existing storage
/// (`persistentVolumeClaim`, a data volume without a source here, …) — are judged by the mode of the policy scope
/// that matches the request: `enforce` denies ("cannot be verified"), `warn` warns, `dry_run` lets them pass.
///
/// Objects of other kinds, and requests without an object (`DELETE`), are allowed with a warning: the webhook
/// configuration decides what is sent here. A Kubernetes dry run stores decisions but appends nothing to the log.
struct AdmissionWebhook {
    /// The label (or annotation) naming the environment.
    static let environmentLabel = "vmtrust.io/environment"

    let decisions: PolicyDecisions
    let defaultEnvironment: String?
    let now: Int64

    func review(_ request: AdmissionReview.Request) async throws -> AdmissionReview.Response {
        guard KubeVirtDisks.kinds.contains(request.kind.kind), request.kind.group == "kubevirt.io",
            let object = request.object
        else {
            return AdmissionReview.Response(
                uid: request.uid,
                allowed: true,
                warnings: ["vmtrust checks KubeVirt VirtualMachine and VirtualMachineInstance objects only"]
            )
        }
        guard let user = request.userInfo.username, !user.isEmpty else {
            return deny(request.uid, ["the request names no user (userInfo.username)"])
        }
        let environment = Self.environment(of: object, kind: request.kind.kind) ?? defaultEnvironment
        let base = AuthorizationRequest(
            user: user,
            groups: (request.userInfo.groups ?? []).filter(PolicyIdentifier.isValid),
            project: request.namespace.flatMap { $0.isEmpty ? nil : $0 },
            environment: environment,
            image: "",
            time: now
        )
        guard PolicyIdentifier.isValid(user) else {
            return deny(request.uid, ["user \"\(user)\" is not a valid identifier for vmtrust policies"])
        }
        if let environment, !PolicyIdentifier.isValid(environment) {
            return deny(request.uid, ["environment \"\(environment)\" is not a valid identifier for vmtrust policies"])
        }

        let scan = KubeVirtDisks.scan(object, kind: request.kind.kind)
        var denials: [String] = []
        var warnings: [String] = []
        var unverifiable: [String] = []
        for disk in scan.disks {
            guard let digest = disk.digest else {
                if let annotation = disk.malformedAnnotation {
                    unverifiable.append(
                        "volume \(disk.volume): annotation \(KubeVirtDisks.annotationPrefix)\(disk.volume) is not a sha256 digest (\(annotation))"
                    )
                } else {
                    unverifiable.append(
                        "volume \(disk.volume): \(disk.source) \(disk.reference) has no digest (annotate \(KubeVirtDisks.annotationPrefix)\(disk.volume))"
                    )
                }
                continue
            }
            var single = base
            single.image = digest
            let served = try await decisions.decide(single, policyName: nil, logToLedger: request.dryRun != true)
            let decision = served.decision
            if decision.effect == .deny {
                let reasons = decision.reasons.filter { $0.effect == .deny }.map { "\($0.code): \($0.message)" }
                denials.append("volume \(disk.volume) (\(digest)): " + reasons.joined(separator: "; "))
            }
            for warning in decision.warnings {
                warnings.append("volume \(disk.volume): \(warning.code): \(warning.message)")
            }
            if let breakGlass = decision.breakGlass {
                warnings.append(
                    "volume \(disk.volume): allowed under break-glass \(breakGlass.grant) (missing: \(breakGlass.missing.map(\.rawValue).joined(separator: ", ")))"
                )
            }
        }
        for volume in scan.unchecked {
            unverifiable.append("volume \(volume.volume): \(volume.kind) references storage vmtrust cannot verify")
        }
        if !unverifiable.isEmpty {
            switch try await decisions.mode(for: base, policyName: nil) {
            case .enforce: denials += unverifiable.map { $0 + ": cannot be verified" }
            case .warn: warnings += unverifiable
            case .dryRun: break
            }
        }
        if !denials.isEmpty { return deny(request.uid, denials, warnings: warnings) }
        return AdmissionReview.Response(uid: request.uid, allowed: true, warnings: warnings.isEmpty ? nil : warnings)
    }

    private func deny(_ uid: String, _ reasons: [String], warnings: [String] = []) -> AdmissionReview.Response {
        AdmissionReview.Response(
            uid: uid,
            allowed: false,
            status: AdmissionReview.Status(
                code: 403,
                message: "vmtrust denied: " + reasons.joined(separator: " | "),
                reason: "Forbidden"
            ),
            warnings: warnings.isEmpty ? nil : warnings
        )
    }

    /// The `vmtrust.io/environment` label or annotation of the object (or of a VM's template).
    static func environment(of object: JSONValue, kind: String) -> String? {
        var metadata = [object["metadata"]]
        if kind == "VirtualMachine" { metadata.append(object["spec"]?["template"]?["metadata"]) }
        for meta in metadata {
            if let value = meta?["labels"]?[environmentLabel]?.string ?? meta?["annotations"]?[environmentLabel]?.string {
                return value
            }
        }
        return nil
    }
}
