import CCurlShims
import WSMan

/// Owns one libcurl easy handle, its header list and its error buffer. Used by one thread at a time
/// (the serial queue of its ``CurlConnection``), hence `@unchecked Sendable`.
final class EasyHandle: @unchecked Sendable {
    let raw: UnsafeMutableRawPointer
    let errorBuffer: UnsafeMutablePointer<CChar>
    private var headerList: UnsafeMutablePointer<curl_slist>?

    init() throws(TransportError) {
        let initResult = CCurlShims_global_init_once()
        guard initResult == CURLE_OK else {
            throw TransportError(
                code: .configuration, message: "curl_global_init failed (\(initResult.rawValue))",
                libraryCode: Int(initResult.rawValue))
        }
        guard let raw = curl_easy_init() else {
            throw TransportError(code: .configuration, message: "curl_easy_init returned NULL")
        }
        self.raw = raw
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        try check(CCurlShims_setopt_pointer(raw, CURLOPT_ERRORBUFFER, errorBuffer), "CURLOPT_ERRORBUFFER")
    }

    deinit {
        curl_easy_cleanup(raw)
        if let headerList { curl_slist_free_all(headerList) }
        errorBuffer.deallocate()
    }

    func check(_ code: CURLcode, _ option: String) throws(TransportError) {
        guard code == CURLE_OK else {
            throw TransportError(
                code: .configuration,
                message: "libcurl refused \(option): \(String(cString: curl_easy_strerror(code)))",
                libraryCode: Int(code.rawValue))
        }
    }

    func set(_ option: CURLoption, _ value: Int, _ name: String) throws(TransportError) {
        try check(CCurlShims_setopt_long(raw, option, value), name)
    }

    func set(_ option: CURLoption, _ value: String, _ name: String) throws(TransportError) {
        try check(CCurlShims_setopt_string(raw, option, value), name)  // libcurl copies string options
    }

    /// Replaces the request headers (the list is owned here and outlives every perform).
    func setHeaders(_ headers: [String]) throws(TransportError) {
        var list: UnsafeMutablePointer<curl_slist>?
        for header in headers { list = curl_slist_append(list, header) }
        try check(CCurlShims_setopt_slist(raw, CURLOPT_HTTPHEADER, list), "CURLOPT_HTTPHEADER")
        if let headerList { curl_slist_free_all(headerList) }
        headerList = list
    }

    /// The text libcurl left in the error buffer for the last transfer (may be empty).
    var lastErrorText: String {
        String(cString: errorBuffer)
    }

    func clearError() { errorBuffer[0] = 0 }

    func infoLong(_ info: CURLINFO) -> Int {
        var value = 0
        _ = CCurlShims_getinfo_long(raw, info, &value)
        return value
    }

    func infoString(_ info: CURLINFO) -> String? {
        var value: UnsafeMutablePointer<CChar>?
        guard CCurlShims_getinfo_string(raw, info, &value) == CURLE_OK, let value else { return nil }
        return String(cString: value)
    }
}
