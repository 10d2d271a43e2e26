import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Ledger
import NIOCore
import Policy
import Provenance
import Testing
import TrustServer
import VMTrustTesting

@Suite("Kubernetes admission webhook")
struct AdmissionRoutesTests {
    typealias W = PolicyWorld

    /// The digests the fixtures reference.
    static let rootDisk = "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
    static let toolsDisk = "sha256:b5bb9d8014a0f9b1d61e21e796d78dccdf1352f23cd32812f4850b878ae4944c"
    static let containerDisk = "sha256:486ea46224d1bb4fb680f34f7c9ad96a8f24ec88be73ea8e5a6c65260e9cb8a7"

    static func fixture(_ name: String) throws -> String {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/admission/\(name)", withExtension: "json"))
        return try String(contentsOf: url, encoding: .utf8)
    }

    /// Posts a review and decodes the response review.
    static func review(_ client: some TestClientProtocol, _ body: String) async throws -> AdmissionReview.Response {
        let response = try await client.execute(uri: "/v1/admission", method: .post, body: ByteBuffer(string: body))
        #expect(response.status == .ok, "\(response.text)")
        let review = try JSONDecoder().decode(AdmissionReview.self, from: Data(response.bytes))
        #expect(review.apiVersion == "admission.k8s.io/v1" && review.kind == "AdmissionReview")
        return try #require(review.response)
    }

    /// A policy: enforce by default; the `prod-web` project in warn mode; the `lab` environment in dry run.
    static let policy = """
        apiVersion: vmtrust.dev/policy/v1
        name: cluster
        version: 1
        scopes:
          - name: default
            rules: &rules
              reputation: {low: 50}
              allow_low_reputation: false
          - name: prod-web
            match: {projects: [prod-web]}
            mode: warn
            rules: *rules
          - name: lab
            match: {environments: [lab]}
            mode: dry_run
            rules: *rules
        """

    /// Registers the fixtures' disk images: the root disk by acme, the tools disk by globex (low reputation).
    static func setUp(_ world: W, _ client: some TestClientProtocol) async throws {
        _ = try await world.setUp(client)
        for (digest, provider, key, reputation) in [
            (rootDisk, "acme", W.acmeKey, 95), (toolsDisk, "globex", W.globexKey, 0), (containerDisk, "acme", W.acmeKey, 95),
        ] {
            try await world.accept(
                client,
                .imageRegister(
                    ImageRegisterRecord(
                        digest: digest,
                        provider: provider,
                        name: "disk-\(digest.suffix(4))",
                        format: .qcow2,
                        size: 4096,
                        initialReputation: reputation,
                        time: world.clock.now() + 1000
                    )
                ),
                by: [key]
            )
        }
        try await world.publish(client, policy)
    }

    @Test("A VirtualMachine in a warn project is allowed with every finding as a warning")
    func warnModeVirtualMachine() async throws {
        let world = try await W()
        try await world.harness.app.test(.router) { client in
            try await Self.setUp(world, client)
            let response = try await Self.review(client, try Self.fixture("vm-create"))
            #expect(response.uid == "705ab4f5-6393-11e8-b7cc-42010a800002")
            #expect(response.allowed)
            let warnings = response.warnings ?? []
            #expect(warnings.contains { $0.contains("volume tools") && $0.contains("reputation.below_low") })
            #expect(warnings.contains { $0.contains("volume data") && $0.contains("cannot verify") })
            #expect(warnings.contains { $0.contains("volume scratch") && $0.contains("persistentVolumeClaim") })
            #expect(!warnings.contains { $0.contains("volume rootdisk") })
            #expect(!warnings.contains { $0.contains("cloudinitdisk") })
        }
    }

    @Test("In an enforce scope every denied or unverifiable disk is a reason in the status message")
    func enforceDenies() async throws {
        let world = try await W()
        try await world.harness.app.test(.router) { client in
            try await Self.setUp(world, client)
            let body = try Self.fixture("vm-create").replacingOccurrences(of: "prod-web", with: "payments")
            let response = try await Self.review(client, body)
            #expect(!response.allowed)
            #expect(response.status?.code == 403)
            let message = try #require(response.status?.message)
            #expect(message.contains("volume tools (\(Self.toolsDisk)): reputation.below_low"))
            #expect(message.contains("volume scratch: persistentVolumeClaim references storage vmtrust cannot verify"))
            #expect(message.contains("volume data: dataVolume"))
            #expect(!message.contains("volume rootdisk"))

            // The same object labelled for the lab environment: a dry run lets everything pass.
            let lab = body.replacingOccurrences(
                of: #""labels": {"app": "web""#,
                with: #""labels": {"vmtrust.io/environment": "lab", "app": "web""#
            )
            #expect(lab != body)
            #expect(try await Self.review(client, lab).allowed)
        }
    }

    @Test("A VirtualMachineInstance with a container disk pinned by digest is decided by its image")
    func virtualMachineInstance() async throws {
        let world = try await W()
        try await world.harness.app.test(.router) { client in
            try await Self.setUp(world, client)
            let response = try await Self.review(client, try Self.fixture("vmi-create"))
            #expect(response.allowed, "\(response.status?.message ?? "")")
            #expect(response.warnings == nil)

            // An unregistered digest is denied as unknown.
            let unknown = try Self.fixture("vmi-create").replacingOccurrences(of: Self.containerDisk, with: W.digest(0x99))
            let denied = try await Self.review(client, unknown)
            #expect(!denied.allowed)
            #expect(denied.status?.message.contains("image.unknown") == true)
        }
    }

    @Test("Malformed reviews are problems; other kinds are allowed with a warning")
    func malformed() async throws {
        let world = try await W()
        try await world.harness.app.test(.router) { client in
            try await Self.setUp(world, client)
            for body in ["{", "[]", #"{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","request":null}"#] {
                let response = try await client.execute(uri: "/v1/admission", method: .post, body: ByteBuffer(string: body))
                #expect(response.status == .badRequest, "\(body)")
            }
            let pod = try Self.fixture("vmi-create")
                .replacingOccurrences(of: #""kind": "VirtualMachineInstance"}"#, with: #""kind": "Pod"}"#)
                .replacingOccurrences(of: #""group": "kubevirt.io""#, with: #""group": """#)
            let response = try await Self.review(client, pod)
            #expect(response.allowed && response.warnings?.isEmpty == false)
        }
    }
}
