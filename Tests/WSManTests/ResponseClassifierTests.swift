import Testing
import WSMan
import XMLSupport

@Suite struct ResponseClassifierTests {
    func classify(_ status: Int, _ body: String) -> WSManError? {
        do {
            _ = try ResponseClassifier.classify(
                WSManHTTPResponse(status: status, contentType: nil, body: Array(body.utf8)), operation: "Get",
                resource: ResourceURI.v2("Msvm_ComputerSystem"))
            return nil
        } catch {
            return error
        }
    }

    @Test func unauthorizedWinsOverAnyBody() {
        let error = classify(401, "")
        #expect(error?.code == .unauthorized)
        #expect(error?.description.contains("401") == true)
        #expect(error?.description.contains("Get on Msvm_ComputerSystem") == true)
    }

    @Test func non200WithoutSOAPIsUnexpectedStatus() {
        #expect(classify(503, "<html>busy").map(\.code) == .unexpectedStatus)
        #expect(classify(503, "<html>busy")?.httpStatus == 503)
    }

    @Test func garbageOn200IsMalformed() {
        #expect(classify(200, "not xml").map(\.code) == .malformedResponse)
        #expect(classify(200, "<x/>").map(\.code) == .malformedResponse)
        #expect(classify(200, "<!DOCTYPE x [<!ENTITY a 'b'>]><x/>").map(\.code) == .malformedResponse)
    }

    @Test func soapBodyOn200Passes() {
        #expect(
            classify(200, #"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body/></s:Envelope>"#)
                == nil)
    }

    @Test func faultWithFaultDetailAndLocalizedReason() {
        let body = """
            <e:Envelope xml:lang="ja-JP" xmlns:e="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:ws="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"><e:Body><e:Fault><e:Code><e:Value>e:Sender</e:Value><e:Subcode><e:Value>wsa:DestinationUnreachable</e:Value></e:Subcode></e:Code><e:Reason><e:Text xml:lang="ja-JP">リソースが見つかりません</e:Text></e:Reason><e:Detail><ws:FaultDetail>http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/InvalidResourceURI</ws:FaultDetail></e:Detail></e:Fault></e:Body></e:Envelope>
            """
        let error = classify(500, body)
        #expect(error?.code == .fault)
        #expect(error?.fault?.subcode == "DestinationUnreachable")
        #expect(error?.fault?.faultDetail?.hasSuffix("InvalidResourceURI") == true)
        #expect(error?.fault?.reason == "リソースが見つかりません")
    }
}
