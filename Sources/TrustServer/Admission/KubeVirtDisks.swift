/// The disk images a KubeVirt `VirtualMachine` or `VirtualMachineInstance` boots from, as an
/// admission webhook finds them in the object.
///
/// Sources, per volume of the instance spec (`spec.template.spec.volumes` of a
/// `VirtualMachine`, `spec.volumes` of a `VirtualMachineInstance`):
/// - `containerDisk.image` — an OCI image holding the disk;
/// - `dataVolume.name` naming one of the VM's `spec.dataVolumeTemplates`, whose
///   `spec.source` is `http.url`, `registry.url`, `s3.url`, `gcs.url` or `imageio.url`;
/// - anything else (`persistentVolumeClaim`, a data volume not templated here, `sourceRef`,
///   `pvc` clones, `blank`, `cloudInitNoCloud`, `configMap`, …) carries no image reference:
///   such volumes are reported in ``Scan/unchecked`` so the webhook can warn about them.
///
/// The digest of each image, in order of precedence:
/// 1. the annotation `vmtrust.io/digest.<volume name>: sha256:<hex>` on the object (for a
///    `VirtualMachine`, on the object or on `spec.template.metadata`): the operator states the
///    disk image's digest;
/// 2. a `sha256:<64 hex>` digest inside the reference itself, e.g. `…@sha256:<hex>` of a
///    container disk pinned by digest, or `…/jammy.qcow2?digest=sha256:<hex>`; it is looked up
///    as-is, so a provider publishing container disks registers the digest it pins.
/// A disk with neither is ``Disk/digest`` `nil`: it cannot be verified.
public enum KubeVirtDisks {
    /// The annotation prefix naming a volume's disk digest.
    public static let annotationPrefix = "vmtrust.io/digest."

    /// One disk image reference.
    public struct Disk: Sendable, Hashable {
        /// The volume name.
        public var volume: String
        /// Where the image comes from: `containerDisk`, `http`, `registry`, `s3`, `gcs` or `imageio`.
        public var source: String
        /// The image reference (image name or URL).
        public var reference: String
        /// The disk image digest (`sha256:<hex>`), when known.
        public var digest: String?
        /// The volume's `vmtrust.io/digest.<volume>` annotation, when it is not a `sha256:<64 hex>`
        /// digest (then ``digest`` is `nil`: a wrong annotation never falls back to the reference).
        public var malformedAnnotation: String? = nil
    }

    /// A volume that references existing storage rather than an image.
    public struct StorageVolume: Sendable, Hashable {
        /// The volume name.
        public var volume: String
        /// Its kind, e.g. `persistentVolumeClaim`.
        public var kind: String
    }

    /// What a scan of one object found.
    public struct Scan: Sendable, Hashable {
        /// The disk images.
        public var disks: [Disk] = []
        /// Volumes that reference existing storage, not an image.
        public var unchecked: [StorageVolume] = []
    }

    /// The kinds this scanner understands.
    public static let kinds: Set<String> = ["VirtualMachine", "VirtualMachineInstance"]

    /// Volume kinds that hold no image and need no warning.
    static let configurationVolumes: Set<String> = [
        "cloudInitNoCloud", "cloudInitConfigDrive", "configMap", "secret", "serviceAccount", "downwardAPI",
        "downwardMetrics", "emptyDisk", "sysprep", "memoryDump",
    ]

    /// Scans `object`, a `VirtualMachine` (`kind` `VirtualMachine`) or `VirtualMachineInstance`.
    public static func scan(_ object: JSONValue, kind: String) -> Scan {
        var annotations = object["metadata"]?["annotations"]?.members ?? [:]
        let instanceSpec: JSONValue?
        var templates: [String: JSONValue] = [:]
        if kind == "VirtualMachine" {
            let template = object["spec"]?["template"]
            for (key, value) in template?["metadata"]?["annotations"]?.members ?? [:] where annotations[key] == nil {
                annotations[key] = value
            }
            instanceSpec = template?["spec"]
            for template in object["spec"]?["dataVolumeTemplates"]?.elements ?? [] {
                if let name = template["metadata"]?["name"]?.string { templates[name] = template["spec"] }
            }
        } else {
            instanceSpec = object["spec"]
        }
        var scan = Scan()
        for volume in instanceSpec?["volumes"]?.elements ?? [] {
            guard let name = volume["name"]?.string else { continue }
            let annotation = annotations[annotationPrefix + name]
            func disk(source: String, reference: String) -> Disk {
                guard let annotation else {
                    return Disk(volume: name, source: source, reference: reference, digest: digest(in: reference))
                }
                if let declared = annotation.string, digest(in: declared) == declared {
                    return Disk(volume: name, source: source, reference: reference, digest: declared)
                }
                let text = annotation.string ?? "\(annotation)"
                return Disk(volume: name, source: source, reference: reference, digest: nil, malformedAnnotation: text)
            }
            if let image = volume["containerDisk"]?["image"]?.string {
                scan.disks.append(disk(source: "containerDisk", reference: image))
            } else if let dataVolume = volume["dataVolume"]?["name"]?.string {
                if let source = templates[dataVolume]?["source"], let (kind, url) = imageSource(source) {
                    scan.disks.append(disk(source: kind, reference: url))
                } else {
                    scan.unchecked.append(StorageVolume(volume: name, kind: "dataVolume"))
                }
            } else if let kind = volume.members.keys.sorted().first(where: { $0 != "name" }),
                !configurationVolumes.contains(kind)
            {
                scan.unchecked.append(StorageVolume(volume: name, kind: kind))
            }
        }
        return scan
    }

    /// The image source of a data volume's `spec.source`, if it downloads one.
    static func imageSource(_ source: JSONValue) -> (kind: String, url: String)? {
        for kind in ["http", "registry", "s3", "gcs", "imageio"] {
            if let url = source[kind]?["url"]?.string { return (kind, url) }
        }
        return nil
    }

    /// The first `sha256:<64 lowercase hex>` in `reference`.
    static func digest(in reference: String) -> String? {
        let bytes = Array(reference.utf8)
        let marker = Array("sha256:".utf8)
        guard bytes.count >= marker.count + 64 else { return nil }
        var index = 0
        while index + marker.count + 64 <= bytes.count {
            if Array(bytes[index..<(index + marker.count)]) == marker {
                let hex = bytes[(index + marker.count)..<(index + marker.count + 64)]
                let end = index + marker.count + 64
                let terminated = end == bytes.count || !isHex(bytes[end])
                if hex.allSatisfy(isLowerHex) && terminated {
                    return String(decoding: bytes[index..<end], as: UTF8.self)
                }
            }
            index += 1
        }
        return nil
    }

    private static func isLowerHex(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
    }

    private static func isHex(_ byte: UInt8) -> Bool {
        isLowerHex(byte) || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
    }
}
