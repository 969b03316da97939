import WSMan

/// A Hyper-V VM (`Msvm_ComputerSystem` with Description "Microsoft Virtual Machine").
public struct VirtualMachine: Sendable, Equatable, Codable {
    public var name: String
    /// Upper-case GUID (`Name`).
    public var id: String
    /// `EnabledState`: 2 running, 3 off, 6 saved, 9 paused, 32768+ transitional.
    public var enabledState: Int
    public var operationalStatus: [Int]

    public init(_ instance: WSManInstance) {
        name = instance.string("ElementName") ?? ""
        id = instance.string("Name") ?? ""
        enabledState = instance.int("EnabledState") ?? 0
        operationalStatus = instance.ints("OperationalStatus")
    }

    public init(name: String, id: String, enabledState: Int, operationalStatus: [Int] = [2]) {
        self.name = name
        self.id = id
        self.enabledState = enabledState
        self.operationalStatus = operationalStatus
    }

    public var isRunning: Bool { enabledState == 2 }
    public var isOff: Bool { enabledState == 3 }
    public var isSaved: Bool { enabledState == 6 }
    /// A disk merge after a checkpoint deletion is still running (OperationalStatus 32772).
    public var isMerging: Bool { operationalStatus.contains(32772) }

    /// The EPR used as a method parameter or target.
    public var reference: EndpointReference {
        EndpointReference(resourceURI: Msvm.uri(Msvm.computerSystem), selectors: selectors)
    }

    public var selectors: [Selector] { [Selector("CreationClassName", Msvm.computerSystem), Selector("Name", id)] }

    public var stateName: String {
        switch enabledState {
        case 2: return "Running"
        case 3: return "Off"
        case 6: return "Saved"
        case 9: return "Paused"
        case 4: return "Shutting down"
        case 10: return "Starting"
        case 32768...32779: return "Transitioning"
        default: return "State \(enabledState)"
        }
    }
}
