import Foundation
import MalomoContract
import Synchronization

/// The bridge's secrets directory (`MALOMO_WEBHOOK_SECRETS_DIR`) as the admin tool writes it:
/// one file per webhook id, mode 0600, written atomically (a temporary file beside it,
/// flushed, then renamed), so a bridge reloading at any moment sees the old file or the new
/// one, never half of one.
///
/// When the bridge does not read this directory itself (a Kubernetes Secret mounted in its
/// pods), ``onChange`` is a shell command run after every change that carries the directory to
/// where the bridge reads it, e.g. `kubectl create secret generic malomo-webhooks
/// --from-file="$MALOMO_SECRETS_DIR" --dry-run=client -o yaml | kubectl apply -f -`.
public struct SecretsDirectory: Sendable {
    /// The directory.
    public let path: String
    /// Run with `/bin/sh -c` after each write or removal, with `MALOMO_SECRETS_DIR` set to
    /// ``path``; a change counts as made only when it exits 0 within ``onChangeTimeout``.
    public var onChange: String?
    /// How long ``onChange`` may run. Default: 2 minutes.
    public var onChangeTimeout: Duration = .seconds(120)

    /// Opens `path`, creating it (mode 0700) when missing.
    /// - Throws: ``AdminError`` when it cannot be created or is not a directory.
    public init(path: String, onChange: String? = nil) throws(AdminError) {
        self.onChange = onChange
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw AdminError("--secrets-dir '\(path)' is not a directory") }
            // Anyone who may write here could plant a secret the bridge would accept. (Group
            // write is allowed: volumes mounted with a Kubernetes fsGroup have it.)
            var info = stat()
            if stat(path, &info) == 0, info.st_mode & 0o002 != 0 {
                throw AdminError("--secrets-dir '\(path)' is writable by everyone (chmod o-w it)")
            }
        } else {
            do {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw AdminError("--secrets-dir '\(path)' cannot be created: \(error.localizedDescription)")
            }
        }
        self.path = path
    }

    /// Whether a webhook id may name a file here: a valid `Malomo-Webhook-Id` (see
    /// `CloudEventAttributes.isValidWebhookID`) that is not `.`-led (the bridge skips hidden
    /// entries) and holds no `/`. An id from Malomo's answer is checked before it names a file,
    /// so that an answer cannot write outside the directory.
    public static func isUsableFileName(_ id: String) -> Bool {
        // No `,` either: the `# replaces:` record is a comma-separated list.
        CloudEventAttributes.isValidWebhookID(id) && !id.hasPrefix(".") && !id.contains("/") && !id.contains(",")
    }

    /// The webhook ids that have a regular file here (hidden entries skipped, as the bridge does).
    public func webhookIDs() throws(AdminError) -> Set<String> {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: self.path)
        } catch {
            throw AdminError("--secrets-dir '\(self.path)' cannot be read: \(error.localizedDescription)")
        }
        return Set(names.filter { !$0.hasPrefix(".") && self.isRegularFile($0) })
    }

    private func isRegularFile(_ id: String) -> Bool {
        var info = stat()
        return stat(self.file(id), &info) == 0 && info.st_mode & S_IFMT == S_IFREG
    }

    /// The lines of a webhook's file, `nil` when it is not a regular file of at most 64 KiB.
    private func lines(of id: String) -> [String]? {
        guard Self.isUsableFileName(id), self.isRegularFile(id) else { return nil }
        // Links are followed (a mounted Secret's keys are links), but only to a regular file.
        let descriptor = open(self.file(id), O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while bytes.count <= 65_536 {
            let count = read(descriptor, &buffer, buffer.count)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            bytes += buffer[..<count]
        }
        guard bytes.count <= 65_536 else { return nil }
        return String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline).map(String.init)
    }

    /// The secret lines of a webhook's file (comments skipped), `nil` when it has none.
    public func secrets(of id: String) -> [String]? {
        let secrets = (self.lines(of: id) ?? []).filter {
            let trimmed = $0.trimmingCharacters(in: .whitespaces)
            return !trimmed.hasPrefix("#") && !trimmed.isEmpty
        }
        return secrets.isEmpty ? nil : secrets
    }

    /// The webhook ids a file's `# replaces:` line names: the webhooks this one was created to
    /// replace (``WebhookRotation`` writes it and resumes from it).
    public func replacedIDs(of id: String) -> Set<String> {
        guard let line = self.lines(of: id)?.first(where: { $0.hasPrefix(Self.replacesPrefix) }) else { return [] }
        return Set(line.dropFirst(Self.replacesPrefix.count).split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
    }

    /// The comment line that records what a replacement webhook replaces.
    static let replacesPrefix = "# replaces: "

    /// Writes `DIR/<id>` atomically with mode 0600: a comment line naming the webhook, the
    /// `# replaces:` line when `replacing` is not empty, then the secret; then runs ``onChange``.
    public func write(id: String, secret: String, comment: String, replacing: [String] = []) async throws(AdminError) {
        guard Self.isUsableFileName(id) else { throw AdminError("webhook id '\(id)' cannot name a file; nothing written") }
        let temporary = (self.path as NSString).appendingPathComponent(".\(id).tmp-\(UInt32.random(in: 0...UInt32.max))")
        let replaces = replacing.isEmpty ? "" : Self.replacesPrefix + replacing.joined(separator: ",") + "\n"
        let contents = Array("# \(comment.filter { !$0.isNewline })\n\(replaces)\(secret)\n".utf8)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw AdminError("cannot create '\(temporary)': \(String(cString: strerror(errno)))") }
        var failure: String? = nil
        contents.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Foundation.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = String(cString: strerror(errno))
                    return
                }
                offset += written
            }
        }
        if failure == nil, fsync(descriptor) != 0 { failure = String(cString: strerror(errno)) }
        close(descriptor)
        if failure == nil, rename(temporary, self.file(id)) != 0 { failure = String(cString: strerror(errno)) }
        if let failure {
            unlink(temporary)
            throw AdminError("cannot write the secret of webhook \(id) into '\(self.path)': \(failure)")
        }
        self.syncDirectory()
        try await self.propagate()
    }

    /// Removes the files of `ids` (a missing file counts as removed), then runs ``onChange``
    /// once if `propagating`.
    public func remove(ids: [String], propagating: Bool = true) async throws(AdminError) {
        for id in ids where Self.isUsableFileName(id) {
            if unlink(self.file(id)) != 0 && errno != ENOENT {
                throw AdminError("cannot remove '\(self.file(id))': \(String(cString: strerror(errno)))")
            }
        }
        self.syncDirectory()
        if propagating { try await self.propagate() }
    }

    /// The environment variables an ``onChange`` command does not inherit: every setting of the
    /// admin tool and the bridge (`MALOMO_*`, `KAFKA_*`: the API key, webhook secrets, SASL and
    /// TLS passwords, pass-through librdkafka properties). The rest (`PATH`, `KUBECONFIG`, cloud
    /// credentials kubectl may need) is passed on.
    static func isWithheld(_ name: String) -> Bool {
        name.hasPrefix("MALOMO_") || name.hasPrefix("KAFKA_")
    }

    /// Runs ``onChange``, if set, in a process group of its own: on timeout the whole group is
    /// killed and reaped, so no stray `kubectl apply` can land an older snapshot later. (An
    /// interrupted malomo-admin does not reach it; the command must not prompt either, it has no
    /// terminal to read.)
    public func propagate() async throws(AdminError) {
        guard let command = self.onChange else { return }
        let process = Process()
        // Foundation starts the child as the leader of a process group of its own (its pid is
        // the group id): the timeout kills that group.
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        var environment = ProcessInfo.processInfo.environment.filter { !Self.isWithheld($0.key) }
        environment["MALOMO_SECRETS_DIR"] = self.path
        process.environment = environment
        let exited = AsyncStream<Void>.makeStream()
        process.terminationHandler = { _ in exited.continuation.finish() }
        do {
            try process.run()
        } catch {
            throw AdminError("--on-change could not start: \(error.localizedDescription)")
        }
        let group = process.processIdentifier
        let timeout = self.onChangeTimeout
        let killed = Atomic<Bool>(false)
        let timer = Task {
            try await Task.sleep(for: timeout)
            killed.store(true, ordering: .relaxed)
            kill(-group, SIGKILL)
        }
        for await _ in exited.stream {}
        timer.cancel()
        if killed.load(ordering: .relaxed) {
            throw AdminError("--on-change ran longer than \(timeout) and was killed")
        }
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            throw AdminError("--on-change failed (exit status \(process.terminationStatus))")
        }
    }

    func file(_ id: String) -> String { (self.path as NSString).appendingPathComponent(id) }

    private func syncDirectory() {
        let descriptor = open(self.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }
}
