import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads a configuration or secret file the way a hostile directory demands: only a regular
/// file (symlinks followed, as Kubernetes mounts use them), never more than a limit, and never
/// blocking on a FIFO or reading a device without end.
public enum BoundedFile {
    /// Why a file could not be read. The text names no content.
    public struct ReadError: Error, Sendable, Hashable, CustomStringConvertible {
        public enum Kind: Sendable, Hashable {
            /// Nothing is there (or a symlink points nowhere).
            case missing
            /// A directory, FIFO, socket or device.
            case notRegularFile
            /// Longer than the limit.
            case tooLarge(limit: Int)
            /// Open or read failed (permissions, I/O).
            case unreadable(errno: Int32)
        }
        public let kind: Kind

        public var description: String {
            switch self.kind {
            case .missing: "does not exist"
            case .notRegularFile: "is not a regular file (a directory, FIFO or device)"
            case .tooLarge(let limit): "is larger than \(limit) bytes"
            case .unreadable(let code): "cannot be read (\(String(cString: strerror(code))))"
            }
        }
    }

    /// The whole file, at most `limit` bytes.
    public static func contents(of path: String, limit: Int) throws(ReadError) -> [UInt8] {
        // realpath follows every link of every component (a chain too) and fails with ELOOP
        // on a loop; only "nothing there" (ENOENT) is `.missing`. The type is then read from the
        // resolved path, which no longer contains a link, and the open refuses a link swapped
        // in since (O_NOFOLLOW); O_NONBLOCK keeps a FIFO from blocking the open or the read.
        guard let resolvedPointer = realpath(path, nil) else {
            let code = errno
            throw ReadError(kind: code == ENOENT || code == ENOTDIR ? .missing : .unreadable(errno: code))
        }
        let resolved = String(cString: resolvedPointer)
        free(resolvedPointer)
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: resolved)
        } catch {
            let underlying = ((error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError)?.code
            throw ReadError(kind: .unreadable(errno: Int32(underlying ?? Int(EIO))))
        }
        guard attributes[.type] as? FileAttributeType == .typeRegular else { throw ReadError(kind: .notRegularFile) }
        let fd = open(resolved, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW)
        guard fd >= 0 else {
            let code = errno
            throw ReadError(kind: code == ENOENT ? .missing : .unreadable(errno: code))
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                let code = errno
                if code == EINTR { continue }
                throw ReadError(kind: code == EISDIR ? .notRegularFile : .unreadable(errno: code))
            }
            if count == 0 { return bytes }
            guard bytes.count + count <= limit else { throw ReadError(kind: .tooLarge(limit: limit)) }
            bytes.append(contentsOf: buffer[..<count])
        }
    }

    /// The largest secret file accepted (a few secrets and comments fit many times over).
    public static let secretLimit = 64 * 1024
    /// The most entries a secrets directory may hold (each file up to ``secretLimit``).
    static let secretFilesLimit = 4096
    /// The largest librdkafka properties file accepted.
    static let propertiesLimit = 1024 * 1024
}
