import XMLSupport

/// The one place where an HTTP answer becomes either a parsed SOAP body or a ``WSManError``.
///
/// Order (as WinRb's response handler): 401 → SOAP fault (with `f:WSManFault` / `MSFT_WmiError`) → any other
/// non-200 status → malformed body.
public enum ResponseClassifier {
    public static func classify(
        _ response: WSManHTTPResponse, operation: String, resource: String, maxBytes: Int = XMLDocument.defaultMaxBytes
    ) throws(WSManError) -> XMLDocument {
        if response.status == 401 {
            throw WSManError(
                code: .unauthorized, operation: operation, resource: resource, httpStatus: 401,
                detail: response.authenticationProblem ?? "HTTP 401")
        }
        let document: XMLDocument
        do {
            document = try XMLDocument.parse(response.body, maxBytes: maxBytes)
        } catch {
            if response.status != 200 {
                throw WSManError(
                    code: .unexpectedStatus, operation: operation, resource: resource, httpStatus: response.status,
                    detail: "no SOAP body (\(error.message))")
            }
            throw WSManError(
                code: .malformedResponse, operation: operation, resource: resource, httpStatus: response.status,
                detail: error.description)
        }
        let body: XMLElement
        do {
            body = try document.soapBody()
        } catch {
            let code: WSManError.Code = response.status == 200 ? .malformedResponse : .unexpectedStatus
            throw WSManError(
                code: code, operation: operation, resource: resource, httpStatus: response.status, detail: error.message
            )
        }
        if let fault = WSManFault.read(body: body) {
            throw WSManError(
                code: .fault, operation: operation, resource: resource, httpStatus: response.status, fault: fault,
                detail: fault.description)
        }
        guard response.status == 200 else {
            throw WSManError(
                code: .unexpectedStatus, operation: operation, resource: resource, httpStatus: response.status,
                detail: "SOAP body without a fault")
        }
        return document
    }
}
