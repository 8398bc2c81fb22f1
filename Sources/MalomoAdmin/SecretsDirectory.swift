import Foundation
import MalomoContract

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
        CloudEventAttributes.isValidWebhookID(id) && !id.hasPrefix(".") && !id.contains("/")
    }

    /// The webhook ids that have a file here (hidden entries skipped, as the bridge does).
    public func webhookIDs() throws(AdminError) -> Set<String> {
        do {
            return Set(try FileManager.default.contentsOfDirectory(atPath: self.path).filter { !$0.hasPrefix(".") })
        } catch {
            throw AdminError("--secrets-dir '\(self.path)' cannot be read: \(error.localizedDescription)")
        }
    }

    /// The secret lines of a webhook's file (comments skipped), `nil` when it has none.
    public func secrets(of id: String) -> [String]? {
        guard Self.isUsableFileName(id), let data = FileManager.default.contents(atPath: self.file(id)), data.count <= 65_536 else { return nil }
        let lines = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).map(String.init)
            .filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("#") && !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        return lines.isEmpty ? nil : lines
    }

    /// Writes `DIR/<id>` atomically with mode 0600: a comment line naming the webhook, then the
    /// secret.
    public func write(id: String, secret: String, comment: String) throws(AdminError) {
        guard Self.isUsableFileName(id) else { throw AdminError("webhook id '\(id)' cannot name a file; nothing written") }
        let temporary = (self.path as NSString).appendingPathComponent(".\(id).tmp-\(UInt32.random(in: 0...UInt32.max))")
        let contents = Array("# \(comment.filter { !$0.isNewline })\n\(secret)\n".utf8)
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
        try self.propagate()
    }

    /// Removes `DIR/<id>`; a missing file counts as removed.
    /// - Parameter propagating: Run ``onChange`` afterwards.
    public func remove(id: String, propagating: Bool = true) throws(AdminError) {
        guard Self.isUsableFileName(id) else { return }
        if unlink(self.file(id)) != 0 && errno != ENOENT {
            throw AdminError("cannot remove '\(self.file(id))': \(String(cString: strerror(errno)))")
        }
        self.syncDirectory()
        if propagating { try self.propagate() }
    }

    /// Runs ``onChange``, if set.
    func propagate() throws(AdminError) {
        guard let command = self.onChange else { return }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        var environment = ProcessInfo.processInfo.environment
        environment["MALOMO_SECRETS_DIR"] = self.path
        // The child needs no API key.
        environment["MALOMO_API_KEY"] = nil
        process.environment = environment
        do {
            try process.run()
        } catch {
            throw AdminError("--on-change could not start: \(error.localizedDescription)")
        }
        let deadline = ContinuousClock.now + self.onChangeTimeout
        while process.isRunning && ContinuousClock.now < deadline { usleep(20_000) }
        if process.isRunning {
            process.terminate()
            throw AdminError("--on-change ran longer than \(self.onChangeTimeout) and was stopped")
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
