import Foundation
import Testing

@testable import TrustServer

@Suite("KubeVirt admission reviews")
struct KubeVirtDisksTests {
    static func review(_ name: String) throws -> AdmissionReview {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/admission/" + name, withExtension: "json"))
        return try JSONDecoder().decode(AdmissionReview.self, from: Data(contentsOf: url))
    }

    @Test("A VirtualMachine: data volume templates and the annotation give each disk its source and digest")
    func virtualMachine() throws {
        let review = try Self.review("vm-create")
        let request = try #require(review.request)
        #expect(request.uid == "705ab4f5-6393-11e8-b7cc-42010a800002")
        #expect(request.kind.kind == "VirtualMachine")
        #expect(request.operation == "CREATE")
        #expect(request.namespace == "prod-web")
        #expect(request.userInfo.username == "alice@example.com")
        #expect(request.userInfo.groups == ["platform-team", "system:authenticated"])
        let scan = KubeVirtDisks.scan(try #require(request.object), kind: request.kind.kind)
        #expect(
            scan.disks == [
                .init(
                    volume: "rootdisk",
                    source: "http",
                    reference: "https://images.acme.example/jammy/jammy-server-cloudimg-amd64.qcow2",
                    digest: "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
                ),
                .init(
                    volume: "tools",
                    source: "registry",
                    reference:
                        "docker://quay.io/acme/tools-disk@sha256:b5bb9d8014a0f9b1d61e21e796d78dccdf1352f23cd32812f4850b878ae4944c",
                    digest: "sha256:b5bb9d8014a0f9b1d61e21e796d78dccdf1352f23cd32812f4850b878ae4944c"
                ),
            ]
        )
        // The blank data volume and the PVC hold no image; cloud-init is configuration.
        #expect(scan.unchecked.map(\.volume) == ["data", "scratch"])
        #expect(scan.unchecked.map(\.kind) == ["dataVolume", "persistentVolumeClaim"])
    }

    @Test("A VirtualMachineInstance: a container disk pinned by digest")
    func virtualMachineInstance() throws {
        let review = try Self.review("vmi-create")
        let request = try #require(review.request)
        let scan = KubeVirtDisks.scan(try #require(request.object), kind: request.kind.kind)
        #expect(scan.disks.count == 1)
        #expect(scan.disks.first?.source == "containerDisk")
        #expect(scan.disks.first?.digest == "sha256:486ea46224d1bb4fb680f34f7c9ad96a8f24ec88be73ea8e5a6c65260e9cb8a7")
        #expect(scan.unchecked.isEmpty)
    }

    @Test("A malformed digest annotation is reported and never falls back to the reference's digest")
    func malformedAnnotation() throws {
        let hex = String(repeating: "ab", count: 32)
        for bad in ["sha256:" + hex.uppercased(), "sha256:" + hex.dropLast(), "md5:" + hex, "sha256:" + hex + "0", ""] {
            let object: JSONValue = .object([
                "metadata": .object(["annotations": .object(["vmtrust.io/digest.disk": .string(bad)])]),
                "spec": .object([
                    "volumes": .array([
                        .object([
                            "name": .string("disk"),
                            "containerDisk": .object(["image": .string("quay.io/x/y@sha256:" + hex)]),
                        ])
                    ])
                ]),
            ])
            let disk = try #require(KubeVirtDisks.scan(object, kind: "VirtualMachineInstance").disks.first)
            #expect(disk.digest == nil, "\(bad)")
            #expect(disk.malformedAnnotation == bad)
        }
    }

    @Test("Digests inside references: only a whole lowercase sha256:<64 hex>")
    func digestsInReferences() {
        let hex = String(repeating: "0f", count: 32)
        #expect(KubeVirtDisks.digest(in: "quay.io/a/b@sha256:" + hex) == "sha256:" + hex)
        #expect(KubeVirtDisks.digest(in: "https://x/disk.qcow2?digest=sha256:" + hex + "&a=b") == "sha256:" + hex)
        #expect(KubeVirtDisks.digest(in: "quay.io/a/b:latest") == nil)
        #expect(KubeVirtDisks.digest(in: "quay.io/a/b@sha256:" + hex.dropLast()) == nil)
        #expect(KubeVirtDisks.digest(in: "quay.io/a/b@sha256:" + hex + "a") == nil)
        #expect(KubeVirtDisks.digest(in: "quay.io/a/b@sha256:" + hex.uppercased()) == nil)
    }

    @Test("A response review encodes as Kubernetes expects")
    func responseEncoding() throws {
        let review = AdmissionReview(
            response: .init(
                uid: "u-1",
                allowed: false,
                status: .init(code: 403, message: "denied", reason: "Forbidden"),
                warnings: ["w"]
            )
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let text = String(decoding: try encoder.encode(review), as: UTF8.self)
        #expect(
            text
                == #"{"apiVersion":"admission.k8s.io\/v1","kind":"AdmissionReview","response":{"allowed":false,"status":{"code":403,"message":"denied","reason":"Forbidden"},"uid":"u-1","warnings":["w"]}}"#
        )
    }
}
