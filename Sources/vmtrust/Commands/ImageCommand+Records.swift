import ArgumentParser
import BlobStore
import Foundation
import Ledger
import Provenance
import TransparencyLog
import TrustServer

extension ImageCommand {
    /// The image file's digest and size, hashed once with a progress bar.
    static func digestAndSize(of file: String) throws -> (digest: String, size: UInt64) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw CLIError.input("\(file) is not a file")
        }
        let total = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.uint64Value
        let progress = ProgressBar(label: "hashing", total: total)
        let result = try FileHasher.sha256(path: file) { progress.update($0) }
        progress.finish()
        return ("sha256:" + result.digest.lowercaseHex, result.size)
    }

    /// Signs and submits an image-register record; name and format default from the file name,
    /// the initial reputation is the provider's as onboarded.
    static func register(
        digest: String,
        size: Int64,
        file: String?,
        name: String?,
        format: String?,
        provider: String,
        keys: [SigningKey],
        server: ServerOptions
    ) async throws {
        let formatName = format ?? file.map { URL(fileURLWithPath: $0).pathExtension.lowercased() } ?? ""
        guard let imageFormat = ImageFormat(rawValue: formatName == "img" ? "raw" : formatName) else {
            throw CLIError.input("give --format (raw, qcow2, vmdk, vhd, vhdx, iso, ova); \"\(formatName)\" is not one")
        }
        guard let imageName = name ?? file.map({ URL(fileURLWithPath: $0).lastPathComponent }) else {
            throw CLIError.input("give --name")
        }
        let onboarded = try await server.get(ProviderView.self, "/v1/providers/\(provider)")
        let record = ImageRegisterRecord(
            digest: digest,
            provider: provider,
            name: imageName,
            format: imageFormat,
            size: size,
            initialReputation: onboarded.provider.initialReputation,
            time: DataDirectory.now()
        )
        _ = try await server.submit(.imageRegister(record), keys: keys)
    }

    struct Push: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Upload an image to the server's blob store and register it, signed by the provider."
        )

        @Argument(help: "The image file.")
        var file: String

        @Option(name: .long, help: "Image name (default: the file name).")
        var name: String?

        @Option(name: .long, help: "raw, qcow2, vmdk, vhd, vhdx, iso or ova (default: from the file name).")
        var format: String?

        @OptionGroup var signer: ProviderSigning

        @OptionGroup var server: ServerOptions

        func run() async throws {
            let keys = try signer.keys()
            let (info, _) = try await BlobCommand.put(
                file: file,
                client: try server.client,
                key: keys[0],
                provider: try signer.provider()
            )
            try await ImageCommand.register(
                digest: info.digest.description,
                size: Int64(info.size),
                file: file,
                name: name,
                format: format,
                provider: try signer.provider(),
                keys: keys,
                server: server
            )
        }
    }

    struct Pull: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Download an image after checking its records against the log; refuses a revoked image.",
            discussion: """
                Fetches the image's provenance bundle and verifies it offline with the log key (every \
                signature, key validity, hash link and inclusion proof, the checkpoint's signature); \
                refuses a revoked image unless --force; downloads to a temporary file, checks the \
                digest, and only then writes the output.
                """
        )

        @Argument(help: "Image digest.")
        var digest: String

        @Option(name: [.short, .customLong("output")], help: "The file to write.")
        var output: String

        @Flag(name: .long, help: "Download even a revoked image.")
        var force = false

        @OptionGroup var server: ServerOptions

        func run() async throws {
            let blob: BlobDigest
            do {
                blob = try BlobDigest(digest)
            } catch {
                throw CLIError.input(error.message)
            }
            let verifiers = try logVerifiers(vkey: server.vkey, data: server.data)
            // The provenance bundle, checked offline with the log key before any byte is fetched.
            let bundle = try await server.get(ProvenanceBundle.self, "/v1/images/\(digest)/bundle")
            let verdict = await BundleVerifier(logKey: verifiers).verify(bundle)
            guard verdict.isValid, bundle.subject == digest else {
                let reasons = verdict.failures.map(\.description).joined(separator: "; ")
                throw CLIError.verdict("the provenance bundle of \(digest) does not verify: \(reasons)")
            }
            let status: String
            switch verdict.status {
            case .revoked(let by, let inherited, _)?:
                status = "revoked by \(by)" + (inherited.map { " (inherited from \($0))" } ?? "")
                if !force { throw CLIError.verdict("\(digest) is \(status); use --force to download it anyway") }
            case .scheduled(_, _, let at)?: status = "revocation scheduled for \(formatTime(at))"
            case .deprecated(let since)?: status = "deprecated since \(formatTime(since))"
            default: status = "active"
            }
            let size = try await BlobCommand.get(blob, to: output, client: try server.client)
            print(
                "ok: \(digest) (\(status); provenance verified at log size \(verdict.checkpoint?.size ?? 0)) written to \(output) (\(size) bytes)"
            )
        }
    }

    struct Register: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register an image: the root record of a lineage, signed by the provider."
        )

        @Argument(help: "The image file (hashed locally; not uploaded). Or give --digest and --size.")
        var file: String?

        @Option(name: .long, help: "Image digest (sha256:<hex>) when the file is not at hand.")
        var digest: String?

        @Option(name: .long, help: "Image size in bytes, with --digest.")
        var size: Int64?

        @Option(name: .long, help: "Image name (default: the file name).")
        var name: String?

        @Option(name: .long, help: "raw, qcow2, vmdk, vhd, vhdx, iso or ova (default: from the file name).")
        var format: String?

        @OptionGroup var signer: ProviderSigning

        @OptionGroup var server: ServerOptions

        func run() async throws {
            let keys = try signer.keys()
            let (digest, size) = try resolveImage()
            try await ImageCommand.register(
                digest: digest,
                size: size,
                file: file,
                name: name,
                format: format,
                provider: try signer.provider(),
                keys: keys,
                server: server
            )
        }

        func resolveImage() throws -> (String, Int64) {
            switch (file, digest, size) {
            case (let file?, nil, nil):
                let hashed = try ImageCommand.digestAndSize(of: file)
                return (hashed.digest, Int64(hashed.size))
            case (nil, let digest?, let size?):
                guard ImageDigest.isValid(digest) else { throw CLIError.input("--digest must be sha256:<64 hex digits>") }
                return (digest, size)
            default:
                throw CLIError.input("give an image FILE, or --digest and --size")
            }
        }
    }

    struct Modify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record a new version of an image, linked to the record it changes."
        )

        @Argument(help: "The new image file (hashed locally). Or give --digest.")
        var file: String?

        @Option(name: .long, help: "The new image digest when the file is not at hand.")
        var digest: String?

        @Option(name: .long, help: "The record (id) or image (digest) this version changes.")
        var previous: String

        @Option(name: .long, help: "patch, update, rebuild or config.")
        var change: String

        @Option(name: [.customShort("m"), .long], help: "What changed.")
        var message: String

        @Option(name: .long, help: "Builder (with --input): how the image was built.")
        var builder: String?

        @Option(name: .long, help: "A build input (digest or URL); repeat for several.")
        var input: [String] = []

        @OptionGroup var signer: ProviderSigning

        @OptionGroup var server: ServerOptions

        func run() async throws {
            let keys = try signer.keys()
            guard let changeKind = ChangeKind(rawValue: change) else {
                throw CLIError.input("--change must be patch, update, rebuild or config")
            }
            let newDigest: String
            switch (file, digest) {
            case (let file?, nil): newDigest = try ImageCommand.digestAndSize(of: file).digest
            case (nil, let digest?) where ImageDigest.isValid(digest): newDigest = digest
            default: throw CLIError.input("give the new image FILE or a valid --digest")
            }
            let previousRecord = try await server.resolveRecord(previous)
            let record = ImageModifyRecord(
                digest: newDigest,
                provider: try signer.provider(or: previousRecord.provider),
                previous: previousRecord.id,
                change: changeKind,
                description: message,
                build: builder.map { BuildDetails(builder: $0, inputs: input) },
                time: DataDirectory.now()
            )
            _ = try await server.submit(.imageModify(record), keys: keys)
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke an image record (optionally its descendants, optionally later)."
        )

        @Argument(help: "The record id or image digest.")
        var target: String

        @Option(name: .long, help: "Why.")
        var reason: String

        @Flag(name: .long, help: "Every descendant inherits the revocation.")
        var inherit = false

        @Option(name: .long, help: "Schedule it: effective time (RFC 3339, YYYY-MM-DD or ms).")
        var at: String?

        @OptionGroup var signer: ProviderSigning

        @OptionGroup var server: ServerOptions

        func run() async throws {
            let resolved = try await server.resolveRecord(target)
            let record = ImageRevokeRecord(
                provider: try signer.provider(or: resolved.provider),
                target: resolved.id,
                reason: reason,
                inherit: inherit,
                effectiveAt: try at.map(parseTime),
                time: DataDirectory.now()
            )
            _ = try await server.submit(.imageRevoke(record), keys: try signer.keys())
        }
    }

    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lift the revocation of an image record.")

        @Argument(help: "The record id or image digest.")
        var target: String

        @Option(name: .long, help: "Why.")
        var reason: String?

        @OptionGroup var signer: ProviderSigning

        @OptionGroup var server: ServerOptions

        func run() async throws {
            let resolved = try await server.resolveRecord(target)
            let record = ImageRestoreRecord(
                provider: try signer.provider(or: resolved.provider),
                target: resolved.id,
                reason: reason,
                time: DataDirectory.now()
            )
            _ = try await server.submit(.imageRestore(record), keys: try signer.keys())
        }
    }

    struct Deprecate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Deprecate an image record after a date.")

        @Argument(help: "The record id or image digest.")
        var target: String

        @Option(name: .long, help: "Deprecated after (RFC 3339, YYYY-MM-DD or ms).")
        var after: String

        @Option(name: .long, help: "Why.")
        var reason: String?

        @OptionGroup var signer: ProviderSigning

        @OptionGroup var server: ServerOptions

        func run() async throws {
            let resolved = try await server.resolveRecord(target)
            let record = ImageDeprecateRecord(
                provider: try signer.provider(or: resolved.provider),
                target: resolved.id,
                after: try parseTime(after),
                reason: reason,
                time: DataDirectory.now()
            )
            _ = try await server.submit(.imageDeprecate(record), keys: try signer.keys())
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show an image's records, status and place in its lineage.")

        @Argument(help: "Image digest.")
        var digest: String

        @OptionGroup var server: ServerOptions

        func run() async throws {
            let view = try await server.get(ImageView.self, "/v1/images/\(digest)")
            if server.json {
                try printJSON(view)
                return
            }
            print("image \(view.digest)")
            for record in view.records {
                print("  \(Lineage.line(record))")
            }
            print(
                "ancestors: \(view.ancestors.count), descendants: \(view.descendants.count), newest: \(view.newest ? "yes" : "no")"
            )
        }
    }

    struct Search: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Find registered images by name.")

        @Argument(help: "The image name (or its beginning, with --prefix).")
        var name: String

        @Option(name: .long, help: "Only this provider's images.")
        var provider: String?

        @Flag(name: .long, help: "Match names that start with NAME.")
        var prefix = false

        @OptionGroup var server: ServerOptions

        func run() async throws {
            var query = [URLQueryItem(name: "name", value: name)]
            if let provider { query.append(URLQueryItem(name: "provider", value: provider)) }
            if prefix { query.append(URLQueryItem(name: "prefix", value: "true")) }
            var components = URLComponents()
            components.path = "/v1/images"
            components.queryItems = query
            let result = try await server.get(ImageSearchResult.self, components.string ?? "/v1/images")
            if server.json {
                try printJSON(result)
                return
            }
            for hit in result.images { print("\(hit.digest)  \(hit.provider)  \(hit.name)  \(hit.record)") }
        }
    }

    struct Lineage: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Draw an image's lineage tree with status markers.")

        @Argument(help: "Image digest.")
        var digest: String

        @OptionGroup var server: ServerOptions

        func run() async throws {
            let view = try await server.get(ImageView.self, "/v1/images/\(digest)")
            guard let image = view.records.first(where: { $0.digest == view.digest }) else {
                throw CLIError.input("no image record for \(digest)")
            }
            // Root first, down to the image, then its descendants as a tree.
            var depth = 0
            for record in view.ancestors.reversed() {
                print(String(repeating: "   ", count: depth) + (depth == 0 ? "" : "└─ ") + Self.line(record))
                depth += 1
            }
            print(String(repeating: "   ", count: depth) + (depth == 0 ? "" : "└─ ") + Self.line(image) + "  ◀")
            let children = Dictionary(grouping: view.descendants, by: { $0.linked ?? "" })
            func draw(_ id: String, prefix: String) {
                let kids = children[id] ?? []
                for (offset, kid) in kids.enumerated() {
                    let last = offset == kids.count - 1
                    print(prefix + (last ? "└─ " : "├─ ") + Self.line(kid))
                    draw(kid.id, prefix: prefix + (last ? "   " : "│  "))
                }
            }
            draw(image.id, prefix: String(repeating: "   ", count: depth))
        }

        static func line(_ record: RecordView) -> String {
            let marker: String
            switch record.status?.state {
            case "revoked":
                marker = "✗ revoked" + (record.status?.inheritedFrom.map { " (inherited from \($0.prefix(19))…)" } ?? "")
            case "scheduled": marker = "⏲ revocation scheduled" + (record.status?.at.map { " for \(formatTime($0))" } ?? "")
            case "deprecated": marker = "⚠ deprecated" + (record.status?.at.map { " since \(formatTime($0))" } ?? "")
            default: marker = "✓ active"
            }
            let digest = record.digest.map { " " + $0.prefix(19) + "…" } ?? ""
            return "\(record.kind)\(digest) #\(record.index) [\(marker)]"
        }
    }
}
