import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A deliberately plain HTTP/1.1 client over a blocking socket (one request per connection,
/// `Connection: close`), run on a dispatch thread. It lets tests talk to a bridge in another
/// process and send malformed or slow requests that a proper client would refuse to send.
package enum RawHTTPClient {
    package struct Response: Sendable {
        package let status: Int
        package let headers: [String: String]
        package let body: [UInt8]
    }

    package enum Failure: Error, Equatable {
        /// Nothing was sent: the connection was refused (e.g. the listener is closed).
        case connectRefused
        /// The request was (partly) sent but no complete response came back.
        case noResponse(String)
    }

    /// Sends raw bytes and reads until the server closes the connection.
    package static func exchange(port: Int, raw: [UInt8], timeout: Double = 15) async -> Result<Response, Failure> {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: blockingExchange(port: port, raw: raw, timeout: timeout))
            }
        }
    }

    /// Sends raw bytes, then closes the sending side (the server sees the end of the request
    /// stream mid-body), and reads the answer.
    package static func exchangeHalfClosed(port: Int, raw: [UInt8], timeout: Double = 15) async -> Result<Response, Failure> {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                let fd: Int32
                switch connectedSocket(port: port, timeout: timeout) {
                case .success(let connected): fd = connected
                case .failure(let failure):
                    continuation.resume(returning: .failure(failure))
                    return
                }
                defer { close(fd) }
                _ = raw.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                shutdown(fd, Int32(SHUT_WR))
                continuation.resume(returning: parse(readUntilClosed(fd)))
            }
        }
    }

    /// The bytes of a POST with the given headers and body (`Connection: close`).
    package static func postBytes(path: String, headers: [(String, String)], body: [UInt8]) -> [UInt8] {
        var head = "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: \(body.count)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        return Array(head.utf8) + body
    }

    /// A POST with the given headers and body.
    package static func post(port: Int, path: String, headers: [(String, String)], body: [UInt8]) async -> Result<Response, Failure> {
        await exchange(port: port, raw: postBytes(path: path, headers: headers, body: body))
    }

    /// A GET.
    package static func get(port: Int, path: String) async -> Result<Response, Failure> {
        await exchange(port: port, raw: Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8))
    }

    /// Sends `raw` one byte every `interval` and returns how long after the start the server
    /// closed the connection, or `nil` when it was still open after `limit` (or refused).
    package static func trickle(port: Int, raw: [UInt8], interval: Duration, limit: Duration) async -> Duration? {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: blockingTrickle(port: port, raw: raw, interval: interval, limit: limit))
            }
        }
    }

    /// Everything received until the peer closes (or the receive timeout passes).
    package static func readUntilClosed(_ fd: Int32) -> [UInt8] {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            received.append(contentsOf: buffer[0..<n])
        }
        return received
    }

    /// A blocking TCP socket connected to 127.0.0.1:`port`, with send and receive timeouts.
    package static func connectedSocket(port: Int, timeout: Double = 15) -> Result<Int32, Failure> {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return .failure(.noResponse("socket() failed")) }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            return .failure(.connectRefused)
        }
        return .success(fd)
    }

    package static func blockingTrickle(port: Int, raw: [UInt8], interval: Duration, limit: Duration) -> Duration? {
        guard case .success(let fd) = connectedSocket(port: port) else { return nil }
        defer { close(fd) }
        let clock = ContinuousClock()
        let start = clock.now
        var index = 0
        while clock.now - start < limit {
            if index < raw.count {
                var byte = raw[index]
                if send(fd, &byte, 1, Int32(MSG_NOSIGNAL)) < 0 { return clock.now - start }
                index += 1
            }
            // Closed by the server? A read of 0 bytes (or a reset) says so.
            var buffer = [UInt8](repeating: 0, count: 512)
            let received = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if received == 0 || (received < 0 && errno != EAGAIN && errno != EWOULDBLOCK) { return clock.now - start }
            Thread.sleep(forTimeInterval: Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18)
        }
        return nil
    }

    /// Sends raw bytes and returns every byte received until the server closed (unparsed).
    package static func received(port: Int, raw: [UInt8], timeout: Double = 15) async -> [UInt8] {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: (try? blockingReceive(port: port, raw: raw, timeout: timeout).get()) ?? [])
            }
        }
    }

    package static func blockingExchange(port: Int, raw: [UInt8], timeout: Double) -> Result<Response, Failure> {
        blockingReceive(port: port, raw: raw, timeout: timeout).flatMap(parse)
    }

    package static func blockingReceive(port: Int, raw: [UInt8], timeout: Double) -> Result<[UInt8], Failure> {
        let fd: Int32
        switch connectedSocket(port: port, timeout: timeout) {
        case .success(let connected): fd = connected
        case .failure(let failure): return .failure(failure)
        }
        defer { close(fd) }
        var sent = 0
        while sent < raw.count {
            let n = raw[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { break }  // the server may answer (413) before reading everything
            sent += n
        }
        return .success(readUntilClosed(fd))
    }

    package static func parse(_ bytes: [UInt8]) -> Result<Response, Failure> {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let headEnd = bytes.indices.first(where: { bytes[$0...].starts(with: separator) }) else {
            return .failure(.noResponse("incomplete response (\(bytes.count) bytes)"))
        }
        let head = String(decoding: bytes[..<headEnd], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = head[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            return .failure(.noResponse("bad status line '\(head[0])'"))
        }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Array(bytes[(headEnd + 4)...])
        if let length = headers["content-length"].flatMap({ Int($0) }) {
            guard body.count >= length else { return .failure(.noResponse("truncated body")) }
            body = Array(body.prefix(length))
        } else if headers["transfer-encoding"]?.lowercased() == "chunked" {
            body = dechunk(body)
        }
        return .success(Response(status: status, headers: headers, body: body))
    }

    package static func dechunk(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            guard let lineEnd = bytes[index...].indices.first(where: { bytes[$0...].starts(with: [13, 10]) }) else { break }
            let size = Int(String(decoding: bytes[index..<lineEnd], as: UTF8.self), radix: 16) ?? 0
            if size == 0 { break }
            out.append(contentsOf: bytes[(lineEnd + 2)..<min(bytes.count, lineEnd + 2 + size)])
            index = lineEnd + 2 + size + 2
        }
        return out
    }
}
