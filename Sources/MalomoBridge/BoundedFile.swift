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
enum BoundedFile {
    /// Why a file could not be read. The text names no content.
    struct ReadError: Error, Sendable, Hashable, CustomStringConvertible {
        enum Kind: Sendable, Hashable {
            /// Nothing is there (or a symlink points nowhere).
            case missing
            /// A directory, FIFO, socket or device.
            case notRegularFile
            /// Longer than the limit.
            case tooLarge(limit: Int)
            /// Open or read failed (permissions, I/O).
            case unreadable(errno: Int32)
        }
        let kind: Kind

        var description: String {
            switch self.kind {
            case .missing: "does not exist"
            case .notRegularFile: "is not a regular file (a directory, FIFO or device)"
            case .tooLarge(let limit): "is larger than \(limit) bytes"
            case .unreadable(let code): "cannot be read (\(String(cString: strerror(code))))"
            }
        }
    }

    /// The whole file, at most `limit` bytes.
    static func contents(of path: String, limit: Int) throws(ReadError) -> [UInt8] {
        // The type, symlinks followed. Opening with O_NONBLOCK keeps a FIFO swapped in after
        // this check from blocking (it reads as empty), and the limit bounds a device.
        let resolved = (path as NSString).resolvingSymlinksInPath
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: resolved) else {
            throw ReadError(kind: FileManager.default.fileExists(atPath: path) ? .unreadable(errno: errno) : .missing)
        }
        let type = attributes[.type] as? FileAttributeType
        // Still a link after resolving: it points nowhere.
        if type == .typeSymbolicLink { throw ReadError(kind: .missing) }
        guard type == .typeRegular else { throw ReadError(kind: .notRegularFile) }
        let fd = open(resolved, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else {
            let code = errno
            throw ReadError(kind: code == ENOENT || code == ENOTDIR ? .missing : .unreadable(errno: code))
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw ReadError(kind: .unreadable(errno: errno))
            }
            if count == 0 { return bytes }
            guard bytes.count + count <= limit else { throw ReadError(kind: .tooLarge(limit: limit)) }
            bytes.append(contentsOf: buffer[..<count])
        }
    }

    /// The largest secret file accepted (a few secrets and comments fit many times over).
    static let secretLimit = 64 * 1024
    /// The largest librdkafka properties file accepted.
    static let propertiesLimit = 1024 * 1024
}
