import Provenance

/// Why a `reputation-parameters` record does not describe a parameter set.
public struct ParameterRecordError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The parameter name at fault.
    public var name: String
    /// What is wrong.
    public var message: String

    /// Creates an error.
    public init(name: String, message: String) {
        self.name = name
        self.message = message
    }

    public var description: String { "\(name): \(message)" }
}

extension ReputationParameters {
    private enum Slot {
        case real(WritableKeyPath<ReputationParameters, Double>)
        case days(WritableKeyPath<ReputationParameters, Int64>)
        case certification(CertificationType)
    }

    /// Every parameter by its record name (docs/REPUTATION-NOTES.md, "Parameter records").
    private static var slots: [(String, Slot)] {
        var out: [(String, Slot)] = [
            ("priorWeight", .real(\.priorWeight)),
            ("baseRate", .real(\.baseRate)),
            ("bandZ", .real(\.bandZ)),
            ("halfLives.security", .real(\.halfLives.security)),
            ("halfLives.attestation", .real(\.halfLives.attestation)),
            ("halfLives.feedback", .real(\.halfLives.feedback)),
            ("halfLives.complianceNegative", .real(\.halfLives.complianceNegative)),
            ("halfLives.auditor", .real(\.halfLives.auditor)),
            ("weights.sec", .real(\.weights.sec)),
            ("weights.att", .real(\.weights.att)),
            ("weights.cmp", .real(\.weights.cmp)),
            ("weights.fb", .real(\.weights.fb)),
            ("security.releaseCredit", .real(\.security.releaseCredit)),
            ("security.releaseCreditIntervalDays", .days(\.security.releaseCreditIntervalDays)),
            ("security.severityWeights.critical", .real(\.security.severityWeights.critical)),
            ("security.severityWeights.high", .real(\.security.severityWeights.high)),
            ("security.severityWeights.medium", .real(\.security.severityWeights.medium)),
            ("security.severityWeights.low", .real(\.security.severityWeights.low)),
            ("security.knownExploitedMultiplier", .real(\.security.knownExploitedMultiplier)),
            ("security.slaDays.critical", .real(\.security.slaDays.critical)),
            ("security.slaDays.high", .real(\.security.slaDays.high)),
            ("security.slaDays.medium", .real(\.security.slaDays.medium)),
            ("security.slaDays.low", .real(\.security.slaDays.low)),
            ("security.knownExploitedSLADays", .real(\.security.knownExploitedSLADays)),
            ("security.fullCreditRatio", .real(\.security.fullCreditRatio)),
            ("security.creditSlope", .real(\.security.creditSlope)),
            ("security.flawMultiplier", .real(\.security.flawMultiplier)),
            ("security.compromisePenalty", .real(\.security.compromisePenalty)),
            ("security.compromiseCap", .real(\.security.compromiseCap)),
            ("security.compromiseCapDays", .days(\.security.compromiseCapDays)),
            ("security.overdueCriticalCap", .real(\.security.overdueCriticalCap)),
            ("security.overdueHighCap", .real(\.security.overdueHighCap)),
            ("security.initialReputationWeight", .real(\.security.initialReputationWeight)),
            ("attestation.imageScopeWeight", .real(\.attestation.imageScopeWeight)),
            ("attestation.processScopeWeight", .real(\.attestation.processScopeWeight)),
            ("attestation.auditorSeed", .real(\.attestation.auditorSeed)),
            ("attestation.agreementReward", .real(\.attestation.agreementReward)),
            ("attestation.compromisedPassPenalty", .real(\.attestation.compromisedPassPenalty)),
            ("attestation.maxAuditorShare", .real(\.attestation.maxAuditorShare)),
            ("compliance.unverifiablePenalty", .real(\.compliance.unverifiablePenalty)),
            ("compliance.revokedPenalty", .real(\.compliance.revokedPenalty)),
            ("compliance.forgedPenalty", .real(\.compliance.forgedPenalty)),
            ("compliance.forgedCap", .real(\.compliance.forgedCap)),
            ("compliance.forgedCapDays", .days(\.compliance.forgedCapDays)),
            ("feedback.unverifiedPrior", .real(\.feedback.unverifiedPrior)),
            ("feedback.verifiedPrior", .real(\.feedback.verifiedPrior)),
            ("feedback.proofOfUseDays", .days(\.feedback.proofOfUseDays)),
            ("feedback.changeIntervalDays", .days(\.feedback.changeIntervalDays)),
            ("feedback.clusterUnits", .real(\.feedback.clusterUnits)),
            ("feedback.clusterWindowDays", .days(\.feedback.clusterWindowDays)),
            ("feedback.burstMinimum", .real(\.feedback.burstMinimum)),
            ("feedback.burstMedianMultiple", .real(\.feedback.burstMedianMultiple)),
            ("feedback.burstMedianDays", .days(\.feedback.burstMedianDays)),
            ("feedback.burstWindowHours", .days(\.feedback.burstWindowHours)),
            ("feedback.newAccountDays", .days(\.feedback.newAccountDays)),
            ("feedback.channelCap", .real(\.feedback.channelCap)),
            ("feedback.untriagedIssueWeight", .real(\.feedback.untriagedIssueWeight)),
            ("feedback.confirmedIssueWeight", .real(\.feedback.confirmedIssueWeight)),
        ]
        let names: [CertificationType: String] = [
            .soc2Type2: "soc2Type2", .iso27001: "iso27001", .pciDSS: "pciDSS", .fedRAMPHigh: "fedRAMPHigh",
            .fedRAMPModerate: "fedRAMPModerate", .fedRAMPLow: "fedRAMPLow", .cisHardened: "cisHardened",
        ]
        for type in CertificationType.allCases {
            out.append(("compliance.certificationWeights.\(names[type]!)", .certification(type)))
        }
        return out
    }

    /// Every parameter name a `reputation-parameters` record may carry.
    public static var recordNames: [String] { slots.map(\.0) }

    /// The parameters as a `reputation-parameters` record's named values (each × 1000, rounded), every
    /// parameter included, in name order.
    public var recordValues: [ReputationParametersRecord.ParameterValue] {
        Self.slots.map { name, slot in
            let value: Double
            switch slot {
            case .real(let path): value = self[keyPath: path]
            case .days(let path): value = Double(self[keyPath: path])
            case .certification(let type): value = compliance.certificationWeights[type] ?? 0
            }
            return ReputationParametersRecord.ParameterValue(name: name, thousandths: Int64((value * 1000).rounded()))
        }
        .sorted { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }
    }

    /// The parameter set a `reputation-parameters` record publishes: REPUTATION.md's defaults with the record's
    /// values (value/1000) in place, under the record's version.
    ///
    /// Throws for an unknown name, a whole-unit parameter (days, hours) that is not a multiple of 1000, or a
    /// version beyond `Int`.
    public init(record: ReputationParametersRecord) throws(ParameterRecordError) {
        var parameters = ReputationParameters.defaults
        guard let version = Int(exactly: record.version) else {
            throw ParameterRecordError(name: "version", message: "out of range")
        }
        parameters.version = version
        let slots = Dictionary(uniqueKeysWithValues: Self.slots)
        for value in record.parameters {
            guard let slot = slots[value.name] else {
                throw ParameterRecordError(name: value.name, message: "not a reputation parameter")
            }
            switch slot {
            case .real(let path):
                parameters[keyPath: path] = Double(value.thousandths) / 1000
            case .days(let path):
                guard value.thousandths % 1000 == 0 else {
                    throw ParameterRecordError(name: value.name, message: "must be a whole number (a multiple of 1000)")
                }
                parameters[keyPath: path] = value.thousandths / 1000
            case .certification(let type):
                parameters.compliance.certificationWeights[type] = Double(value.thousandths) / 1000
            }
        }
        self = parameters
    }
}
