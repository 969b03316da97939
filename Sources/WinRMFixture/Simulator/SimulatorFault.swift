import WSMan

/// The WS-Man faults the simulator sends, shaped like WinRM's (subcode, FaultDetail, f:WSManFault code).
///
/// Only the SchemaValidationError code (2150858817) is taken from a real-shaped sample; the other codes and all
/// reason texts are stand-ins ([INFER]). Clients must not depend on the text.
enum SimulatorFault: Error {
    case schemaValidation(String)
    case invalidSelectors(String)
    case cannotProcessFilter(String)
    case destinationUnreachable(String)
    case actionNotSupported(String)
    case invalidEnumerationContext
    case invalidQuery(String)
    case invalidMethodParameters(String)
    case notFound(String)
    /// The service hiccuped (HTTP 500 `w:InternalError`, ERROR_WSMAN_INTERNAL_ERROR).
    case internalError(String)
    /// One item does not fit in the client's `w:MaxEnvelopeSize` (DSP0226 §7.3: `w:EncodingLimit` with the
    /// `…/faultDetail/MaxEnvelopeSize` detail; the WinRM code is ERROR_WSMAN_QUOTA_MAX_ENVELOPE_SIZE [INFER]).
    case encodingLimit(String)

    var status: Int { 500 }

    func body(envelope: ResponseEnvelope, relatesTo: String?) -> [UInt8] {
        let faultDetail = "http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/"
        switch self {
        case .schemaValidation(let reason):
            return envelope.fault(
                code: "Sender", subcode: NS.wsman, subcodeName: "SchemaValidationError", reason: reason,
                wsmanCode: 2_150_858_817, relatesTo: relatesTo)
        case .invalidSelectors(let reason):
            return envelope.fault(
                code: "Sender", subcode: NS.wsman, subcodeName: "InvalidSelectors", reason: reason,
                faultDetail: faultDetail + "InsufficientSelectors", wsmanCode: 2_150_858_843, relatesTo: relatesTo)
        case .cannotProcessFilter(let reason):
            return envelope.fault(
                code: "Sender", subcode: NS.wsman, subcodeName: "CannotProcessFilter", reason: reason,
                wsmanCode: 2_150_858_815, relatesTo: relatesTo)
        case .destinationUnreachable(let reason):
            return envelope.fault(
                code: "Sender", subcode: NS.addressing, subcodeName: "DestinationUnreachable", reason: reason,
                faultDetail: faultDetail + "InvalidResourceURI", wsmanCode: 2_150_858_752, relatesTo: relatesTo)
        case .actionNotSupported(let action):
            return envelope.fault(
                code: "Sender", subcode: NS.addressing, subcodeName: "ActionNotSupported",
                reason: "The action \(action) is not supported by the service.", wsmanCode: 2_150_858_769,
                relatesTo: relatesTo)
        case .invalidEnumerationContext:
            return envelope.fault(
                code: "Receiver", subcode: NS.enumeration, subcodeName: "InvalidEnumerationContext",
                reason: "The enumeration context supplied in the message is not valid.", wsmanCode: 2_150_858_776,
                relatesTo: relatesTo)
        case .invalidQuery(let reason):
            return envelope.fault(
                code: "Sender", subcode: NS.wsman, subcodeName: "CannotProcessFilter",
                reason: "Invalid query (WBEM_E_INVALID_QUERY 0x80041017): \(reason)", wsmanCode: 2_147_749_911,
                relatesTo: relatesTo)
        case .internalError(let reason):
            return envelope.fault(
                code: "Receiver", subcode: NS.wsman, subcodeName: "InternalError", reason: reason,
                wsmanCode: 2_150_858_752, relatesTo: relatesTo)
        case .notFound(let reason):
            return envelope.fault(
                code: "Receiver", subcode: NS.wsman, subcodeName: "InternalError",
                reason: "Not found (WBEM_E_NOT_FOUND 0x80041002): \(reason)", wsmanCode: 2_147_749_890,
                relatesTo: relatesTo)
        case .encodingLimit(let reason):
            return envelope.fault(
                code: "Sender", subcode: NS.wsman, subcodeName: "EncodingLimit", reason: reason,
                faultDetail: "http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/MaxEnvelopeSize",
                wsmanCode: 2_150_858_909, relatesTo: relatesTo)
        case .invalidMethodParameters(let reason):
            return envelope.fault(
                code: "Receiver", subcode: NS.wsman, subcodeName: "InternalError",
                reason: "Invalid method parameters (WBEM_E_INVALID_METHOD_PARAMETERS 0x8004102F): \(reason)",
                wsmanCode: 2_147_749_935, relatesTo: relatesTo)
        }
    }
}
