import Foundation
import Ledger
import Logging
import Provenance
import SQLiteStore
import TransparencyLog

/// The on-disk layout of a vmtrust server's data.
///
/// ```
/// DIR/                 0700
///   vmtrust.json       origin and admin public keys
///   log-key.pem        the log's Ed25519 checkpoint key, PKCS#8, 0600
///   admin-key.pem      the first admin's private key, PKCS#8, 0600 (move it off the server)
///   ledger.sqlite      the SQLite ledger (with -wal and -shm beside it)
///   ledger.sqlite.decisions  stored policy decisions (the SQLite store's decision journal), 0600
///   blobs/             image blobs (FileBlobStore): sha256/<2 hex>/<64 hex>, tmp/ for uploads
/// ```
///
/// With `--postgres URL` the ledger lives in PostgreSQL instead of `ledger.sqlite`; the keys and
/// settings stay here, and every replica of one log uses the same ones.
struct DataDirectory {
    /// The settings file.
    struct Settings: Codable {
        var version: Int
        var origin: String
        var adminKeys: [String]
    }

    /// Everything a server needs, loaded.
    struct Loaded {
        var settings: Settings
        var logSigner: Ed25519NoteSigner
        var adminKeys: [PublicKey]
        /// The log key, which also signs policy-decision records (the server's decision key).
        var logKey: SigningKey
    }

    static let defaultPath = "./vmtrust-data"

    let path: String

    var settingsPath: String { path + "/vmtrust.json" }
    var logKeyPath: String { path + "/log-key.pem" }
    var adminKeyPath: String { path + "/admin-key.pem" }
    var databasePath: String { path + "/ledger.sqlite" }
    var blobsPath: String { path + "/blobs" }

    var isInitialised: Bool { FileManager.default.fileExists(atPath: settingsPath) }

    /// Creates the directory, the log key and the first admin key, and appends the genesis
    /// record (the admin key, threshold 1, the origin) as the log's first entry.
    ///
    /// - Parameters:
    ///   - extraAdmins: more admin keys for the genesis record: private keys co-sign it, public
    ///     keys are listed only.
    ///   - threshold: signatures required on governance records (genesis included).
    ///   - store: where the ledger lives; `nil` for the SQLite file in this directory. A store
    ///     that already holds a log is refused (its checkpoints are signed by another key).
    func initialise(
        origin: String,
        extraAdmins: [String] = [],
        threshold: Int = 1,
        store: (any LedgerStore)? = nil
    ) async throws {
        guard !isInitialised else { throw CLIError.input("\(path) is already initialised") }
        if let store, try await store.latestCheckpoint() != nil {
            throw CLIError.input(
                "the database already holds a log: give every replica the data directory it was initialised with"
            )
        }
        guard Self.isValidOrigin(origin) else {
            throw CLIError.input("origin \"\(origin)\" must be non-empty and contain no spaces or '+'")
        }
        do {
            try FileManager.default.createDirectory(
                atPath: path,
                withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700]
            )
        } catch {
            throw CLIError.input("cannot create \(path): \(error.localizedDescription)")
        }
        let logKey = SigningKey.generate(.ed25519)
        let adminKey = SigningKey.generate(.ed25519)
        try Files.writePrivate(Array(logKey.pem.utf8), to: logKeyPath)
        try Files.writePrivate(Array(adminKey.pem.utf8), to: adminKeyPath)
        var adminPublicKeys = [adminKey.publicKey]
        var genesisSigners = [adminKey]
        for path in extraAdmins {
            if try Files.readText(path).contains("PRIVATE KEY") {
                let key = try KeyFile.loadPrivate(path)
                genesisSigners.append(key)
                adminPublicKeys.append(key.publicKey)
            } else {
                adminPublicKeys.append(try publicKey(fromFile: path))
            }
        }
        guard (1...adminPublicKeys.count).contains(threshold) else {
            throw CLIError.input("--threshold must be between 1 and the number of admin keys (\(adminPublicKeys.count))")
        }
        guard genesisSigners.count >= threshold else {
            throw CLIError.input(
                "the genesis record needs \(threshold) admin signatures; give the private keys of \(threshold - 1) more admins"
            )
        }
        let genesis = Record.genesis(
            GenesisRecord(adminKeys: adminPublicKeys, threshold: threshold, origin: origin, time: Self.now())
        )
        let signer: Ed25519NoteSigner
        do {
            signer = try Ed25519NoteSigner(name: origin, seed: logKey.ed25519Seed ?? [])
        } catch {
            throw CLIError.input("cannot use the new log key: \(error)")
        }
        let ledger = try await openLedger(origin: origin, signer: signer, store: store)
        let envelope = try genesis.signed(by: genesisSigners)
        _ = try await ledger.submit(
            envelope: envelope.jsonBytes(),
            recordID: RecordID(payload: envelope.payload),
            context: envelope
        )

        let settings = Settings(version: 1, origin: origin, adminKeys: adminPublicKeys.map(\.pem))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Written last: its presence marks a complete initialisation.
        try Files.writePrivate(Array(try encoder.encode(settings)), to: settingsPath)
    }

    /// Loads the settings and keys.
    func load() throws -> Loaded {
        guard isInitialised else { throw CLIError.input("\(path) is not a vmtrust data directory (run vmtrust init)") }
        let settings: Settings
        do {
            settings = try JSONDecoder().decode(Settings.self, from: Data(try Files.read(settingsPath)))
        } catch let error as CLIError {
            throw error
        } catch {
            throw CLIError.input("\(settingsPath) is not valid: \(error)")
        }
        guard settings.version == 1 else { throw CLIError.input("\(settingsPath) has unknown version \(settings.version)") }
        let logKey = try KeyFile.loadPrivate(logKeyPath)
        guard let seed = logKey.ed25519Seed else { throw CLIError.input("\(logKeyPath) must be an Ed25519 key") }
        let signer: Ed25519NoteSigner
        do {
            signer = try Ed25519NoteSigner(name: settings.origin, seed: seed)
        } catch {
            throw CLIError.input("cannot use \(logKeyPath) as the log key: \(error)")
        }
        var admins: [PublicKey] = []
        for pem in settings.adminKeys {
            do {
                admins.append(try PublicKey(pem: pem))
            } catch {
                throw CLIError.input("\(settingsPath) holds an invalid admin key: \(error)")
            }
        }
        return Loaded(settings: settings, logSigner: signer, adminKeys: admins, logKey: logKey)
    }

    /// Opens the ledger with the provenance rules: on `store`, or on this directory's SQLite file.
    func openLedger(
        origin: String,
        signer: Ed25519NoteSigner,
        logger: Logger = Logger(label: "vmtrust"),
        store: (any LedgerStore)? = nil,
        clock: @escaping @Sendable () -> Int64 = DataDirectory.now
    ) async throws -> Ledger {
        let store = try store ?? openSQLiteStore()
        if let latest = try await store.latestCheckpoint() {
            // A shared database and this directory must belong to one log.
            guard let note = try? Note(parsing: Array(latest.note.utf8)),
                (try? note.verify(using: NoteVerifiers([signer.verifier]))) != nil
            else {
                throw CLIError.input("the ledger's checkpoints are not signed by \(logKeyPath): wrong data directory or database")
            }
        }
        return try await Ledger(
            store: store,
            signer: signer,
            configuration: LedgerConfiguration(origin: origin),
            // The engine's changes, then the per-provider history copies that the reading API serves.
            admission: ReputationHistoryAdmission(
                ReputationAdmission(
                    rules: ProvenanceRules(decisionKeys: [try PublicKey(ed25519Raw: signer.verifier.publicKey)])
                )
            ),
            clock: clock,
            logger: logger
        )
    }

    /// The SQLite store of this directory.
    func openSQLiteStore() throws -> SQLiteLedgerStore {
        do {
            return try SQLiteLedgerStore(path: databasePath)
        } catch {
            throw CLIError.input("cannot open \(databasePath): \(error)")
        }
    }

    /// Wall-clock time in milliseconds since the Unix epoch.
    @Sendable static func now() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }

    /// Origin names follow the signed-note key name rules.
    static func isValidOrigin(_ origin: String) -> Bool {
        !origin.isEmpty && !origin.contains(where: { $0.isWhitespace || $0 == "+" })
            && origin.unicodeScalars.allSatisfy { $0.value > 0x20 }
    }
}

/// Loading keys from files with CLI errors.
enum KeyFile {
    /// A private key from a PEM file; insists on 0600-or-stricter permissions.
    static func loadPrivate(_ path: String) throws -> SigningKey {
        if let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let mode = attributes[.posixPermissions] as? NSNumber, mode.intValue & 0o077 != 0
        {
            throw CLIError.input("\(path) is readable by others (mode \(String(mode.intValue, radix: 8))); chmod 600 it")
        }
        let text = try Files.readText(path)
        do {
            return try SigningKey(pem: text)
        } catch {
            throw CLIError.input("\(path) is not a PKCS#8 private key: \(error)")
        }
    }

    /// Note verifiers from vkey strings or files that hold one.
    static func verifiers(_ vkeys: [String]) throws -> NoteVerifiers {
        var out: [any NoteVerifier] = []
        for argument in vkeys {
            var vkey = argument
            if FileManager.default.fileExists(atPath: argument) {
                vkey = try Files.readText(argument).trimmingCharacters(in: .whitespacesAndNewlines)
            }
            if let verifier = try? Ed25519NoteVerifier(vkey: vkey) {
                out.append(verifier)
            } else if let verifier = try? ECDSANoteVerifier(vkey: vkey) {
                out.append(verifier)
            } else {
                throw CLIError.input("\(argument) is not an Ed25519 or ECDSA P-256 verifier key")
            }
        }
        guard !out.isEmpty else { throw CLIError.input("give at least one --vkey") }
        return NoteVerifiers(out)
    }
}
