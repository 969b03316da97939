import CCurlShims
import Foundation
import Synchronization

/// State shared between one transfer and libcurl's callbacks (reached through `Unmanaged` user data).
final class TransferBox: Sendable {
    let limit: Int
    private let storage = Mutex<[UInt8]>([])
    private let headerLines = Mutex<[String]>([])
    let exceeded = Atomic<Bool>(false)
    let cancelled = Atomic<Bool>(false)

    init(limit: Int) {
        self.limit = limit
    }

    func append(_ bytes: UnsafeRawBufferPointer) -> Bool {
        storage.withLock { body in
            guard body.count + bytes.count <= limit else { return false }
            body.append(contentsOf: bytes)
            return true
        }
    }

    var body: [UInt8] { storage.withLock { $0 } }

    func clearHeaders() { headerLines.withLock { $0.removeAll() } }

    func appendHeader(_ line: String) { headerLines.withLock { $0.append(line) } }

    /// The values of the answer's `name` headers (case-insensitive; only the last answer's, see ``reset()``).
    func headers(named name: String) -> [String] {
        let prefix = name.lowercased() + ":"
        return headerLines.withLock { lines in
            lines.compactMap { line in
                guard line.lowercased().hasPrefix(prefix) else { return nil }
                return line.dropFirst(prefix.count).trimmingCharacters(in: .whitespacesAndNewlines)
            }
        }
    }

    /// Clears the body and headers before another transfer of the same request (a handshake leg).
    func reset() {
        storage.withLock { $0.removeAll() }
        headerLines.withLock { $0.removeAll() }
    }
}

/// libcurl header callback: one line per call (the status line of each answer resets the list, so only the final
/// answer's headers remain).
let curlHeaderCallback: curl_write_callback = { data, size, count, userData in
    guard let userData, let data else { return 0 }
    let box = Unmanaged<TransferBox>.fromOpaque(userData).takeUnretainedValue()
    let length = size * count
    let line = String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
    if line.hasPrefix("HTTP/") { box.clearHeaders() }
    box.appendHeader(line)
    return length
}

/// libcurl write callback: appends to the box, aborts (returns 0) past the size limit.
let curlWriteCallback: curl_write_callback = { data, size, count, userData in
    guard let userData, let data else { return 0 }
    let box = Unmanaged<TransferBox>.fromOpaque(userData).takeUnretainedValue()
    let length = size * count
    guard box.append(UnsafeRawBufferPointer(start: data, count: length)) else {
        box.exceeded.store(true, ordering: .relaxed)
        return 0
    }
    return length
}

/// libcurl progress callback: a non-zero return aborts the transfer (CURLE_ABORTED_BY_CALLBACK) once cancelled.
let curlProgressCallback: curl_xferinfo_callback = { userData, _, _, _, _ in
    guard let userData else { return 0 }
    let box = Unmanaged<TransferBox>.fromOpaque(userData).takeUnretainedValue()
    return box.cancelled.load(ordering: .relaxed) ? 1 : 0
}
