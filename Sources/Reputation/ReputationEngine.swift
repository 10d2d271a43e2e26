import Provenance

/// The reputation engine (REPUTATION.md): applies events to the state in O(1) documents each, and reads scores.
///
/// Pure: time is the event's integration time or the time passed to a read; state comes through a
/// ``ReputationStateReader`` and goes out as ``ReputationChange``s, which the caller persists in the transaction
/// of the record that caused them. Events must be applied in log order (non-decreasing times).
///
/// Before an event at time t, every obligation in the due-date queue with due < t is fired (its breach enters
/// SEC at its due time), so the state after an event depends only on the events, never on when timers ran; a
/// read at t accounts for the provider's obligations overdue at t the same way, without writing.
public struct ReputationEngine: Sendable {
    /// How many queue entries are read per page when firing.
    public var queuePageSize: Int

    /// Creates an engine.
    public init(queuePageSize: Int = 256) {
        self.queuePageSize = queuePageSize
    }

    /// The changes `event` makes: first the breaches of obligations due before its time, then its own effect.
    public func apply(_ event: ReputationEvent, state: some ReputationStateReader) async throws -> [ReputationChange] {
        var tx = try await ReputationTransaction(reader: state)
        try await fireDue(before: event.time, &tx)
        try await handle(event, &tx)
        return tx.changes()
    }

    /// The changes of firing every obligation due before `time` (a timer tick; optional: ``apply(_:state:)``
    /// fires them too, and reads account for them).
    public func advance(to time: Int64, state: some ReputationStateReader) async throws -> [ReputationChange] {
        var tx = try await ReputationTransaction(reader: state)
        try await fireDue(before: time, &tx)
        return tx.changes()
    }

    /// The provider's score at `time` (ms), computed at log size `logSize`; `nil` for a provider with no
    /// reputation document.
    public func score(
        provider: String,
        at time: Int64,
        logSize: Int,
        state: some ReputationStateReader
    ) async throws -> ReputationScore? {
        guard let document = try await state.provider(id: provider) else { return nil }
        let history = try await state.parameterHistory() ?? ParameterHistory()
        return ReputationScore(document, history: history, at: time, logSize: logSize)
    }

    // MARK: - Due-date queue

    private func fireDue<R>(before time: Int64, _ tx: inout ReputationTransaction<R>) async throws {
        var after: DueEntry?
        while true {
            let page = try await tx.reader.dueObligations(before: time, after: after, limit: queuePageSize)
            for entry in page { try await fire(entry, &tx) }
            guard page.count == queuePageSize, let last = page.last else { return }
            after = last
        }
    }

    /// The SLA breach of the obligation `entry`: s += w·m at the due time, and the obligation stays open
    /// (capping the score if its severity has a cap) until resolved.
    private func fire<R>(_ entry: DueEntry, _ tx: inout ReputationTransaction<R>) async throws {
        tx.setQueued(entry, false)
        guard var obligation = try await tx.obligation(entry.report), obligation.state == .open else { return }
        obligation.state = .breached
        tx.setObligation(obligation)
        guard var provider = try await tx.provider(obligation.provider),
            let index = provider.obligations.firstIndex(where: { $0.report == entry.report })
        else { return }
        let penalty = provider.obligations[index].penalty
        provider.obligations[index].breached = true
        provider.security.add(r: 0, s: penalty, at: entry.due, .security, tx.history)
        Self.addTop(&provider, entry.report, .sec, r: 0, s: penalty, at: entry.due, tx.history)
        tx.setProvider(provider)
    }

    // MARK: - Events

    private func handle<R>(_ event: ReputationEvent, _ tx: inout ReputationTransaction<R>) async throws {
        let now = event.time
        let parameters = tx.history.parameters(at: now)
        switch event.kind {
        case .parametersPublished(let published):
            var history = tx.history
            if history.publish(published, at: now) { tx.setHistory(history) }
            return
        case .auditorOnboarded(let id, let seed):
            guard try await tx.auditor(id) == nil else { return }
            let mass = Mass(r: seed ?? parameters.attestation.auditorSeed, s: 0, t: now)
            tx.setAuditor(AuditorTrust(id: id, mass: mass))
            return
        case .auditorAgreed(let id):
            guard var auditor = try await tx.auditor(id) else { return }
            auditor.mass.add(r: parameters.attestation.agreementReward, s: 0, at: now, .auditor, tx.history)
            tx.setAuditor(auditor)
            return
        case .auditorPassedCompromised(let id):
            guard var auditor = try await tx.auditor(id) else { return }
            auditor.mass.add(r: 0, s: parameters.attestation.compromisedPassPenalty, at: now, .auditor, tx.history)
            tx.setAuditor(auditor)
            return
        case .feedbackTriage(let target, let verdict):
            try await triage(target, verdict, at: now, parameters, &tx)
            return
        default:
            break
        }
        guard let providerID = event.provider else { return }
        var provider = try await tx.provider(providerID) ?? ProviderReputation(id: providerID)
        provider.events += 1
        let history = tx.history
        let security = parameters.security
        switch event.kind {
        case .providerOnboarded(let initial):
            if let initial {
                let i = min(100, max(0, initial)) / 100
                let weight = security.initialReputationWeight
                provider.security.add(r: weight * i, s: weight * (1 - i), at: now, .security, history)
                Self.addTop(&provider, event.record, .sec, r: weight * i, s: weight * (1 - i), at: now, history)
            }
        case .releasePublished(let lineage, let clean):
            guard clean else { break }
            let key = "\(providerID)/\(lineage)"
            let interval = security.releaseCreditIntervalDays * millisecondsPerDay
            if let last = try await tx.lineage(key), now - last.lastCredit < interval { break }
            tx.setLineage(LineageCredit(key: key, lastCredit: now))
            provider.security.add(r: security.releaseCredit, s: 0, at: now, .security, history)
            Self.addTop(&provider, event.record, .sec, r: security.releaseCredit, s: 0, at: now, history)
        case .obligationOpened(let facts):
            guard facts.affectsActiveVersion, try await tx.obligation(event.record) == nil else { break }
            let obligation = Obligation(
                report: event.record,
                provider: providerID,
                facts: facts,
                reportedAt: now,
                sla: security.sla(facts.severity, knownExploited: facts.knownExploited),
                weight: security.severityWeights[facts.severity],
                multiplier: security.multiplier(knownExploited: facts.knownExploited, epss: facts.epss),
                state: .open
            )
            tx.setObligation(obligation)
            tx.setQueued(DueEntry(due: obligation.due, report: event.record), true)
            let cap = security.overdueCap(facts.severity, knownExploited: facts.knownExploited)
            let reason: CapReason? =
                cap == nil ? nil : (facts.knownExploited || facts.severity == .critical ? .overdueCritical : .overdueHigh)
            provider.obligations.append(
                OpenObligation(
                    report: event.record,
                    due: obligation.due,
                    penalty: obligation.weight * obligation.multiplier,
                    cap: cap,
                    capReason: reason
                )
            )
        case .obligationResolved(let report):
            guard var obligation = try await tx.obligation(report), obligation.provider == providerID else { break }
            switch obligation.state {
            case .open:
                // Not fired, so now <= due: resolved within the SLA.
                let rho = obligation.sla > 0 ? Double(now - obligation.reportedAt) / Double(obligation.sla) : 1
                let q = security.q(rho)
                let r = obligation.weight * q
                let s = obligation.weight * (1 - q)
                provider.security.add(r: r, s: s, at: now, .security, history)
                Self.addTop(&provider, event.record, .sec, r: r, s: s, at: now, history)
                obligation.state = .resolved
                tx.setQueued(DueEntry(due: obligation.due, report: report), false)
            case .breached:
                // A late fix only lifts the cap.
                obligation.state = .resolvedLate
            case .resolved, .resolvedLate:
                break
            }
            tx.setObligation(obligation)
            provider.obligations.removeAll { $0.report == report }
        case .flawIntroduced(let severity):
            let s = security.flawMultiplier * security.severityWeights[severity]
            provider.security.add(r: 0, s: s, at: now, .security, history)
            Self.addTop(&provider, event.record, .sec, r: 0, s: s, at: now, history)
        case .compromiseConfirmed:
            provider.security.add(r: 0, s: security.compromisePenalty, at: now, .security, history)
            Self.addTop(&provider, event.record, .sec, r: 0, s: security.compromisePenalty, at: now, history)
            provider.timedCaps.removeAll { $0.until <= now }
            provider.timedCaps.append(
                TimedCap(
                    reason: .compromise,
                    level: security.compromiseCap,
                    from: now,
                    until: now + security.compromiseCapDays * millisecondsPerDay,
                    record: event.record
                )
            )
        case .attestation(let facts):
            try await attest(facts, event: event, &provider, parameters, &tx)
        case .attestationWithdrawn(let attestation, let auditor, let subject, let predicateType):
            let key = ContributionKey.attestation(
                provider: providerID,
                auditor: auditor,
                subject: subject,
                predicateType: predicateType
            )
            guard let old = try await tx.contribution(key), old.record == attestation else { break }
            Self.remove(old, from: &provider, at: now, history)
            tx.setContribution(key, nil)
            tx.setContributionKey(old.record, nil)
        case .certificationVerified(let facts):
            provider.certifications.removeAll { $0.type == facts.type }
            provider.certifications.append(
                ActiveCertification(
                    record: event.record,
                    type: facts.type,
                    weight: parameters.compliance.certificationWeights[facts.type] ?? 0,
                    validFrom: facts.validFrom,
                    validUntil: facts.validUntil
                )
            )
        case .certificationUnverifiable:
            let s = parameters.compliance.unverifiablePenalty
            provider.complianceNegative.add(r: 0, s: s, at: now, .complianceNegative, history)
            Self.addTop(&provider, event.record, .cmp, r: 0, s: s, at: now, history)
        case .certificationForged:
            let compliance = parameters.compliance
            provider.complianceNegative.add(r: 0, s: compliance.forgedPenalty, at: now, .complianceNegative, history)
            Self.addTop(&provider, event.record, .cmp, r: 0, s: compliance.forgedPenalty, at: now, history)
            provider.timedCaps.removeAll { $0.until <= now }
            provider.timedCaps.append(
                TimedCap(
                    reason: .forgedCertification,
                    level: compliance.forgedCap,
                    from: now,
                    until: now + compliance.forgedCapDays * millisecondsPerDay,
                    record: event.record
                )
            )
        case .certificationRevoked(let certification):
            guard provider.certifications.contains(where: { $0.record == certification }) else { break }
            provider.certifications.removeAll { $0.record == certification }
            let s = parameters.compliance.revokedPenalty
            provider.complianceNegative.add(r: 0, s: s, at: now, .complianceNegative, history)
            Self.addTop(&provider, event.record, .cmp, r: 0, s: s, at: now, history)
        case .feedback(let facts):
            try await feedback(facts, event: event, &provider, parameters, &tx)
        case .parametersPublished, .auditorOnboarded, .auditorAgreed, .auditorPassedCompromised, .feedbackTriage:
            break
        }
        tx.setProvider(provider)
    }

    // MARK: - ATT

    /// r += b_A·v·x, s += b_A·v·(1 − x), replacing the auditor's earlier attestation of the same subject and
    /// predicate type.
    private func attest<R>(
        _ facts: AttestationFacts,
        event: ReputationEvent,
        _ provider: inout ProviderReputation,
        _ parameters: ReputationParameters,
        _ tx: inout ReputationTransaction<R>
    ) async throws {
        let now = event.time
        let history = tx.history
        let key = ContributionKey.attestation(
            provider: provider.id,
            auditor: facts.auditor,
            subject: facts.subject,
            predicateType: facts.predicateType
        )
        if let old = try await tx.contribution(key) {
            Self.remove(old, from: &provider, at: now, history)
            tx.setContributionKey(old.record, nil)
        }
        let trust = try await tx.auditor(facts.auditor)?.trust(at: now, history) ?? 0
        let x = min(1, max(0, facts.passFraction))
        let weight = trust * parameters.attestation.scopeWeight(facts.scope)
        let r = weight * x
        let s = weight * (1 - x)
        provider.attestations[facts.auditor, default: Mass()].add(r: r, s: s, at: now, .attestation, history)
        Self.addTop(&provider, event.record, .att, r: r, s: s, at: now, history)
        let contribution = Contribution(
            key: key,
            provider: provider.id,
            record: event.record,
            dimension: .att,
            r: r,
            s: s,
            t: now,
            auditor: facts.auditor
        )
        tx.setContribution(key, contribution)
        tx.setContributionKey(event.record, key)
    }

    // MARK: - FB

    private func feedback<R>(
        _ facts: FeedbackFacts,
        event: ReputationEvent,
        _ provider: inout ProviderReputation,
        _ parameters: ReputationParameters,
        _ tx: inout ReputationTransaction<R>
    ) async throws {
        guard facts.proofOfUse else { return }
        let now = event.time
        let history = tx.history
        let fb = parameters.feedback
        let key: String
        let old: Contribution?
        switch facts.content {
        case .rating:
            key = ContributionKey.rating(provider: provider.id, user: facts.user)
            old = try await tx.contribution(key)
            // At most one change per 30 days.
            if let madeAt = old?.feedback?.madeAt, now - madeAt < fb.changeIntervalDays * millisecondsPerDay { return }
        case .issue:
            key = ContributionKey.issue(event.record)
            old = nil
        }
        let newAccount = now - facts.userRegisteredAt < fb.newAccountDays * millisecondsPerDay

        // Burst detection over the provider's feedback rates (this feedback included).
        var window = try await tx.window(provider.id) ?? FeedbackWindow(provider: provider.id)
        let burst = Self.recordFeedback(&window, at: now, newAccount: newAccount, fb)
        let held = burst && newAccount
        if burst {
            // Hold the counted feedback from new accounts of the window, retroactively (each at most once).
            for recent in window.recentFromNewAccounts {
                guard var contribution = try await tx.contribution(recent.key), var details = contribution.feedback,
                    details.state == .counted || details.state == .untriaged
                else { continue }
                Self.remove(contribution, from: &provider, at: now, history)
                contribution.r = 0
                contribution.s = 0
                contribution.t = now
                details.state = .held
                contribution.feedback = details
                tx.setContribution(recent.key, contribution)
            }
            window.recentFromNewAccounts = []
        }

        // Credibility, capped per cluster per 30 days.
        let user = try await tx.user(facts.user) ?? UserCredibility(id: facts.user)
        var credibility = user.credibility(verified: facts.verifiedIdentity, parameters)
        if !held {
            let clusterID = facts.cluster.map { "org/\($0)" } ?? "user/\(facts.user)"
            var cluster = try await tx.cluster(clusterID) ?? ClusterWindow(id: clusterID)
            let start = now - fb.clusterWindowDays * millisecondsPerDay
            cluster.grants.removeAll { $0.t <= start }
            let used = cluster.grants.reduce(0) { $0 + $1.units }
            credibility = max(0, min(credibility, fb.clusterUnits - used))
            if credibility > 0 { cluster.grants.append(ClusterWindow.Grant(t: now, units: credibility)) }
            tx.setCluster(cluster)
        }

        if let old {
            Self.remove(old, from: &provider, at: now, history)
            tx.setContributionKey(old.record, nil)
        }
        let state: FeedbackState =
            held ? .held : (facts.content == .issue ? .untriaged : .counted)
        let details = FeedbackContribution(
            user: facts.user,
            content: facts.content,
            credibility: credibility,
            state: state,
            madeAt: now
        )
        let (r, s) = Self.feedbackValue(details, fb)
        provider.feedback.add(r: r, s: s, at: now, .feedback, history)
        if r != 0 || s != 0 { Self.addTop(&provider, event.record, .fb, r: r, s: s, at: now, history) }
        let contribution = Contribution(
            key: key,
            provider: provider.id,
            record: event.record,
            dimension: .fb,
            r: r,
            s: s,
            t: now,
            feedback: details
        )
        tx.setContribution(key, contribution)
        tx.setContributionKey(event.record, key)
        if newAccount, !held {
            let horizon = now - fb.burstWindowHours * 3_600_000
            window.recentFromNewAccounts.removeAll { $0.t <= horizon }
            window.recentFromNewAccounts.append(FeedbackWindow.Recent(t: now, key: key))
        }
        tx.setWindow(window)
    }

    /// The masses of a feedback contribution: a rating v adds r = c(1+v)/2, s = c(1−v)/2; an issue report
    /// adds s = weight·c (0.25 untriaged, 1 confirmed); held feedback adds nothing.
    static func feedbackValue(_ details: FeedbackContribution, _ fb: ReputationParameters.Feedback) -> (Double, Double) {
        let c = details.credibility
        switch (details.state, details.content) {
        case (.held, _): return (0, 0)
        case (_, .rating(let v)):
            let v = min(1, max(-1, v))
            return (c * (1 + v) / 2, c * (1 - v) / 2)
        case (.confirmed, .issue): return (0, fb.confirmedIssueWeight * c)
        case (_, .issue): return (0, fb.untriagedIssueWeight * c)
        }
    }

    /// Counts a feedback in the provider's rates and says whether the burst window is in a burst: more than
    /// max(10, 5 × the median daily count of the 30 previous days) in the last 24 hourly buckets, more than half
    /// from new accounts.
    static func recordFeedback(
        _ window: inout FeedbackWindow,
        at time: Int64,
        newAccount: Bool,
        _ fb: ReputationParameters.Feedback
    ) -> Bool {
        let hour = time / 3_600_000
        let day = time / millisecondsPerDay
        window.hours.removeAll { $0.index <= hour - fb.burstWindowHours }
        window.days.removeAll { $0.index < day - fb.burstMedianDays }
        if window.hours.last?.index != hour { window.hours.append(FeedbackWindow.Bucket(index: hour)) }
        window.hours[window.hours.count - 1].count += 1
        if newAccount { window.hours[window.hours.count - 1].fromNewAccounts += 1 }
        if window.days.last?.index != day { window.days.append(FeedbackWindow.Bucket(index: day)) }
        window.days[window.days.count - 1].count += 1

        let count = window.hours.reduce(0) { $0 + $1.count }
        let fromNew = window.hours.reduce(0) { $0 + $1.fromNewAccounts }
        var daily = [Int](repeating: 0, count: Int(fb.burstMedianDays))
        for bucket in window.days where bucket.index < day {
            daily[Int(bucket.index - (day - fb.burstMedianDays))] = bucket.count
        }
        daily.sort()
        let median =
            daily.isEmpty
            ? 0
            : (daily.count % 2 == 1
                ? Double(daily[daily.count / 2]) : Double(daily[daily.count / 2 - 1] + daily[daily.count / 2]) / 2)
        let threshold = max(fb.burstMinimum, fb.burstMedianMultiple * median)
        return Double(count) > threshold && 2 * fromNew > count
    }

    private func triage<R>(
        _ target: RecordID,
        _ verdict: TriageVerdict,
        at now: Int64,
        _ parameters: ReputationParameters,
        _ tx: inout ReputationTransaction<R>
    ) async throws {
        guard let key = try await tx.contributionKey(target), var contribution = try await tx.contribution(key),
            contribution.record == target, var details = contribution.feedback,
            details.state == .untriaged || details.state == .held,
            var provider = try await tx.provider(contribution.provider)
        else { return }
        let history = tx.history
        let isIssue = details.content == .issue
        var user = try await tx.user(details.user) ?? UserCredibility(id: details.user)
        Self.remove(contribution, from: &provider, at: now, history)
        provider.events += 1
        switch verdict {
        case .confirm:
            details.state = isIssue ? .confirmed : .counted
            let (r, s) = Self.feedbackValue(details, parameters.feedback)
            provider.feedback.add(r: r, s: s, at: now, .feedback, history)
            Self.addTop(&provider, target, .fb, r: r, s: s, at: now, history)
            contribution.r = r
            contribution.s = s
            contribution.t = now
            contribution.feedback = details
            tx.setContribution(key, contribution)
            if isIssue { user.confirmed += 1 }
        case .reject:
            tx.setContribution(key, nil)
            tx.setContributionKey(target, nil)
            if isIssue { user.rejected += 1 }
        }
        if isIssue { tx.setUser(user) }
        tx.setProvider(provider)
    }

    // MARK: - Contributions

    /// Subtracts the decayed value of `contribution` (replaced or removed) from its dimension, in O(1).
    static func remove(
        _ contribution: Contribution,
        from provider: inout ProviderReputation,
        at now: Int64,
        _ history: ParameterHistory
    ) {
        provider.top.removeAll { $0.record == contribution.record && $0.dimension == contribution.dimension }
        guard contribution.r != 0 || contribution.s != 0 else { return }
        switch contribution.dimension {
        case .att:
            guard let auditor = contribution.auditor else { return }
            let f = history.decay(.attestation, from: contribution.t, to: now)
            provider.attestations[auditor, default: Mass()].add(
                r: -contribution.r * f,
                s: -contribution.s * f,
                at: now,
                .attestation,
                history
            )
        case .fb:
            let f = history.decay(.feedback, from: contribution.t, to: now)
            provider.feedback.add(r: -contribution.r * f, s: -contribution.s * f, at: now, .feedback, history)
        case .sec, .cmp:
            break
        }
    }

    /// Keeps the ``ProviderReputation/topCapacity`` largest contributions (by current r + s) for explanations.
    static func addTop(
        _ provider: inout ProviderReputation,
        _ record: RecordID,
        _ dimension: ReputationDimension,
        r: Double,
        s: Double,
        at time: Int64,
        _ history: ParameterHistory
    ) {
        provider.top.append(TopContribution(record: record, dimension: dimension, r: r, s: s, t: time))
        guard provider.top.count > ProviderReputation.topCapacity else { return }
        var smallest = 0
        var smallestValue = Double.infinity
        for (index, entry) in provider.top.enumerated() {
            let value = (entry.r + entry.s) * history.decay(entry.dimension.channel, from: entry.t, to: time)
            if value < smallestValue {
                smallest = index
                smallestValue = value
            }
        }
        provider.top.remove(at: smallest)
    }
}

extension ReputationDimension {
    /// The decay channel of the dimension's decaying evidence (CMP: its negative evidence).
    public var channel: DecayChannel {
        switch self {
        case .sec: .security
        case .att: .attestation
        case .cmp: .complianceNegative
        case .fb: .feedback
        }
    }
}
