import XMLSupport

/// A WMI method call: `<Method>_INPUT` in the class namespace, sent to the class's resource URI with the target
/// instance's selectors (for a singleton service, `CreationClassName` alone).
public struct InvokeRequest: Sendable {
    public var resourceURI: String
    public var method: String
    public var selectors: [Selector]
    public var parameters: [InvokeParameter]

    public init(resourceURI: String, method: String, selectors: [Selector], parameters: [InvokeParameter]) {
        self.resourceURI = resourceURI
        self.method = method
        self.selectors = selectors
        self.parameters = parameters
    }

    public var operationName: String { "Invoke \(method)" }

    public func envelope(to: String, messageID: String) -> XMLDocument {
        let header = RequestHeader(
            to: to, resourceURI: resourceURI, action: Action.invoke(resourceURI, method: method), messageID: messageID,
            selectors: selectors)
        return Envelope.build(header) { body in
            let input = body.addChild("\(method)_INPUT", namespace: NS.resource(resourceURI))
            let p = NS.resource(resourceURI)
            for parameter in parameters {
                switch parameter.value {
                case .scalar(let value):
                    input.addChild(parameter.name, namespace: p, text: value)
                case .array(let values):
                    for value in values { input.addChild(parameter.name, namespace: p, text: value) }
                case .reference(let epr):
                    epr.write(into: input.addChild(parameter.name, namespace: p))
                case .embedded(let instance):
                    input.addChild(parameter.name, namespace: p, text: instance.cimXML)
                case .embeddedArray(let instances):
                    for instance in instances { input.addChild(parameter.name, namespace: p, text: instance.cimXML) }
                }
            }
        }
    }
}
