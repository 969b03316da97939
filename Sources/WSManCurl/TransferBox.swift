import CCurlShims
import Synchronization

/// State shared between one transfer and libcurl's callbacks (reached through `Unmanaged` user data).
final class TransferBox: Sendable {
    let limit: Int
    private let storage = Mutex<[UInt8]>([])
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
