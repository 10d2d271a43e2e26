import Provenance

// The rules of REPUTATION.md, written once, synchronously, over a ``ReputationDocumentStore``. Both ways of
// applying an event run exactly this code: ``ReputationEngine/apply(_:state:)`` over a ``ReputationTransaction``
// (the ledger path) and ``ReputationEngine/apply(_:to:)`` over an ``InMemoryReputationState`` (replay).
extension ReputationEngine {
    /// Fires the obligations due before the event's time, then applies the event.
    static func run<S: ReputationDocumentStore>(_ event: ReputationEvent, _ store: inout S) throws(S.Failure) {
        try fireDue(before: event.time, &store)
        try handle(event, &store)
    }

    // MARK: - Due-date queue

    /// Fires every queue entry with `due < time`, in queue order.
    static func fireDue<S: ReputationDocumentStore>(before time: Int64, _ store: inout S) throws(S.Failure) {
        var after: DueEntry?
        while let entry = try store.nextDue(before: time, after: after) {
            try fire(entry, &store)
            after = entry
        }
    }

    /// The SLA breach of the obligation `entry`: s += w·m at the due time, and the obligation stays open
    /// (capping the score if its severity has a cap) until resolved.
    static func fire<S: ReputationDocumentStore>(_ entry: DueEntry, _ store: inout S) throws(S.Failure) {
        store.setQueued(entry, false)
        guard var obligation = try store.obligation(entry.report), obligation.state == .open else { return }
        obligation.state = .breached
        store.setObligation(obligation)
        let provider = store.providerHandle(obligation.provider)
        guard try store.openProvider(provider, create: false) else { return }
        // A report is appended once (only when it has no obligation document, and that document is never deleted), so
        // the last match is the only one; the obligation falling due now was opened within one SLA, near the end of
        // the array, behind the breached obligations still open.
        guard let index = store[provider: provider].obligations.lastIndex(where: { $0.report == entry.report }) else {
            store.closeProvider(provider, changed: false)
            return
        }
        let history = store.currentHistory()
        let penalty = store[provider: provider].obligations[index].penalty
        store[provider: provider].obligations[index].breached = true
        store[provider: provider].security.add(r: 0, s: penalty, at: entry.due, .security, history)
        addTop(&store[provider: provider], entry.report, .sec, r: 0, s: penalty, at: entry.due, history)
        store.closeProvider(provider, changed: true)
    }

    // MARK: - Events

    static func handle<S: ReputationDocumentStore>(_ event: ReputationEvent, _ store: inout S) throws(S.Failure) {
        let now = event.time
        let history = store.currentHistory()
        let parameters = store.parameters(at: now)
        // Which kind first, without binding payloads (a binding copies the whole event kind): provider events, most of
        // the log, then bind theirs once, below.
        switch event.kind {
        case .parametersPublished, .auditorOnboarded, .auditorAgreed, .auditorPassedCompromised, .feedbackTriage:
            break
        default:
            try handleProviderEvent(event, now, parameters, history, &store)
            return
        }
        switch event.kind {
        case .parametersPublished(let published):
            var history = history
            if history.publish(published, at: now) { store.setHistory(history) }
            return
        case .auditorOnboarded(let id, let seed):
            guard try store.auditor(id) == nil else { return }
            let mass = Mass(r: seed ?? parameters.value.attestation.auditorSeed, s: 0, t: now)
            store.setAuditor(AuditorTrust(id: id, mass: mass))
            return
        case .auditorAgreed(let id):
            guard var auditor = try store.auditor(id) else { return }
            auditor.mass.add(r: parameters.value.attestation.agreementReward, s: 0, at: now, .auditor, history)
            store.setAuditor(auditor)
            return
        case .auditorPassedCompromised(let id):
            guard var auditor = try store.auditor(id) else { return }
            auditor.mass.add(r: 0, s: parameters.value.attestation.compromisedPassPenalty, at: now, .auditor, history)
            store.setAuditor(auditor)
            return
        case .feedbackTriage(let target, let verdict):
            try triage(target, verdict, at: now, parameters, history, &store)
            return
        default:
            break
        }
    }

    /// The effect of an event on its provider's document (and the documents it touches).
    static func handleProviderEvent<S: ReputationDocumentStore>(
        _ event: ReputationEvent,
        _ now: Int64,
        _ parameters: ParametersInForce,
        _ history: ParameterHistory,
        _ store: inout S
    ) throws(S.Failure) {
        guard let providerID = event.provider else { return }
        // The provider's document is changed in place, through its handle (the id is looked up once).
        let provider = store.providerHandle(providerID)
        _ = try store.openProvider(provider, create: true)
        store[provider: provider].events += 1
        let security = parameters.value.security
        switch event.kind {
        case .providerOnboarded(let initial):
            if let initial {
                let i = min(100, max(0, initial)) / 100
                let weight = security.initialReputationWeight
                store[provider: provider].security.add(r: weight * i, s: weight * (1 - i), at: now, .security, history)
                addTop(&store[provider: provider], event.record, .sec, r: weight * i, s: weight * (1 - i), at: now, history)
            }
        case .releasePublished(let lineage, let clean):
            guard clean else { break }
            let interval = security.releaseCreditIntervalDays * millisecondsPerDay
            if let last = try store.lastCredit(provider: provider, lineage: lineage), now - last < interval { break }
            store.setLastCredit(provider: provider, lineage: lineage, at: now)
            store[provider: provider].security.add(r: security.releaseCredit, s: 0, at: now, .security, history)
            addTop(&store[provider: provider], event.record, .sec, r: security.releaseCredit, s: 0, at: now, history)
        case .obligationOpened(let facts):
            guard facts.affectsActiveVersion, try store.obligation(event.record) == nil else { break }
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
            store.setObligation(obligation)
            store.setQueued(DueEntry(due: obligation.due, report: event.record), true)
            let cap = security.overdueCap(facts.severity, knownExploited: facts.knownExploited)
            let reason: CapReason? =
                cap == nil ? nil : (facts.knownExploited || facts.severity == .critical ? .overdueCritical : .overdueHigh)
            store[provider: provider].obligations.append(
                OpenObligation(
                    report: event.record,
                    due: obligation.due,
                    penalty: obligation.weight * obligation.multiplier,
                    cap: cap,
                    capReason: reason
                )
            )
        case .obligationResolved(let report):
            guard var obligation = try store.obligation(report), obligation.provider == providerID else { break }
            switch obligation.state {
            case .open:
                // Not fired, so now <= due: resolved within the SLA.
                let rho = obligation.sla > 0 ? Double(now - obligation.reportedAt) / Double(obligation.sla) : 1
                let q = security.q(rho)
                let r = obligation.weight * q
                let s = obligation.weight * (1 - q)
                store[provider: provider].security.add(r: r, s: s, at: now, .security, history)
                addTop(&store[provider: provider], event.record, .sec, r: r, s: s, at: now, history)
                obligation.state = .resolved
                store.setQueued(DueEntry(due: obligation.due, report: report), false)
            case .breached:
                // A late fix only lifts the cap.
                obligation.state = .resolvedLate
            case .resolved, .resolvedLate:
                break
            }
            store.setObligation(obligation)
            store[provider: provider].obligations.removeEvery { $0.report == report }
        case .flawIntroduced(let severity):
            let s = security.flawMultiplier * security.severityWeights[severity]
            store[provider: provider].security.add(r: 0, s: s, at: now, .security, history)
            addTop(&store[provider: provider], event.record, .sec, r: 0, s: s, at: now, history)
        case .compromiseConfirmed:
            store[provider: provider].security.add(r: 0, s: security.compromisePenalty, at: now, .security, history)
            addTop(&store[provider: provider], event.record, .sec, r: 0, s: security.compromisePenalty, at: now, history)
            store[provider: provider].timedCaps.removeEvery { $0.until <= now }
            store[provider: provider].timedCaps.append(
                TimedCap(
                    reason: .compromise,
                    level: security.compromiseCap,
                    from: now,
                    until: now + security.compromiseCapDays * millisecondsPerDay,
                    record: event.record
                )
            )
        case .attestation(let facts):
            try attest(facts, event: event, provider, id: providerID, parameters, history, &store)
        case .attestationWithdrawn(let attestation, let auditor, let subject, let predicateType):
            let key = store.contributionHandle(
                .attestation(provider: providerID, auditor: auditor, subject: subject, predicateType: predicateType)
            )
            guard let old = try store.contribution(key), old.record == attestation else { break }
            remove(old, from: &store[provider: provider], at: now, history)
            store.setContribution(key, nil)
            store.setContributionKey(old.record, nil)
        case .certificationVerified(let facts):
            store[provider: provider].certifications.removeEvery { $0.type == facts.type }
            store[provider: provider].certifications.append(
                ActiveCertification(
                    record: event.record,
                    type: facts.type,
                    weight: parameters.value.compliance.certificationWeights[facts.type] ?? 0,
                    validFrom: facts.validFrom,
                    validUntil: facts.validUntil
                )
            )
        case .certificationUnverifiable:
            let s = parameters.value.compliance.unverifiablePenalty
            store[provider: provider].complianceNegative.add(r: 0, s: s, at: now, .complianceNegative, history)
            addTop(&store[provider: provider], event.record, .cmp, r: 0, s: s, at: now, history)
        case .certificationForged:
            let compliance = parameters.value.compliance
            store[provider: provider].complianceNegative.add(
                r: 0,
                s: compliance.forgedPenalty,
                at: now,
                .complianceNegative,
                history
            )
            addTop(&store[provider: provider], event.record, .cmp, r: 0, s: compliance.forgedPenalty, at: now, history)
            store[provider: provider].timedCaps.removeEvery { $0.until <= now }
            store[provider: provider].timedCaps.append(
                TimedCap(
                    reason: .forgedCertification,
                    level: compliance.forgedCap,
                    from: now,
                    until: now + compliance.forgedCapDays * millisecondsPerDay,
                    record: event.record
                )
            )
        case .certificationRevoked(let certification):
            guard store[provider: provider].certifications.contains(where: { $0.record == certification }) else { break }
            store[provider: provider].certifications.removeEvery { $0.record == certification }
            let s = parameters.value.compliance.revokedPenalty
            store[provider: provider].complianceNegative.add(r: 0, s: s, at: now, .complianceNegative, history)
            addTop(&store[provider: provider], event.record, .cmp, r: 0, s: s, at: now, history)
        case .feedback(let facts):
            try feedback(facts, event: event, provider, id: providerID, parameters, history, &store)
        case .parametersPublished, .auditorOnboarded, .auditorAgreed, .auditorPassedCompromised, .feedbackTriage:
            break
        }
        store.closeProvider(provider, changed: true)
    }

    // MARK: - ATT

    /// r += b_A·v·x, s += b_A·v·(1 − x), replacing the auditor's earlier attestation of the same subject and
    /// predicate type.
    static func attest<S: ReputationDocumentStore>(
        _ facts: AttestationFacts,
        event: ReputationEvent,
        _ provider: S.ProviderHandle,
        id providerID: String,
        _ parameters: ParametersInForce,
        _ history: ParameterHistory,
        _ store: inout S
    ) throws(S.Failure) {
        let now = event.time
        let key = store.contributionHandle(
            .attestation(
                provider: providerID,
                auditor: facts.auditor,
                subject: facts.subject,
                predicateType: facts.predicateType
            )
        )
        // The earlier attestation (if any) is replaced below, so it is taken. Its decayed masses leave the auditor's
        // mass in the same access of the provider's `attestations` as the new ones enter it (one hash of the auditor's
        // id instead of two; the same additions in the same order as `remove` followed by the addition below).
        var replaced: (r: Double, s: Double)?
        if let old = try store.takeContribution(key) {
            replaced = remove(old, from: &store[provider: provider], at: now, history, deferring: facts.auditor)
            store.setContributionKey(old.record, nil)
        }
        let trust = try store.auditor(facts.auditor)?.trust(at: now, history) ?? 0
        let x = min(1, max(0, facts.passFraction))
        let weight = trust * parameters.value.attestation.scopeWeight(facts.scope)
        let r = weight * x
        let s = weight * (1 - x)
        Self.add(
            replaced,
            then: r,
            s,
            at: now,
            history,
            to: &store[provider: provider].attestations[facts.auditor, default: Mass()]
        )
        addTop(&store[provider: provider], event.record, .att, r: r, s: s, at: now, history)
        let contribution = Contribution(
            key: store.contributionKeyText(key),
            provider: providerID,
            record: event.record,
            dimension: .att,
            r: r,
            s: s,
            t: now,
            auditor: facts.auditor
        )
        store.setContribution(key, consume contribution)
        store.setContributionKey(event.record, key)
    }

    /// Adds `first` (if any), then `r`, `s`, to `mass` at `now`: two ``Mass/add(r:s:at:_:_:)`` in that order.
    @inline(__always)
    static func add(
        _ first: (r: Double, s: Double)?,
        then r: Double,
        _ s: Double,
        at now: Int64,
        _ history: ParameterHistory,
        to mass: inout Mass
    ) {
        if let first { mass.add(r: first.r, s: first.s, at: now, .attestation, history) }
        mass.add(r: r, s: s, at: now, .attestation, history)
    }

    // MARK: - FB

    static func feedback<S: ReputationDocumentStore>(
        _ facts: FeedbackFacts,
        event: ReputationEvent,
        _ provider: S.ProviderHandle,
        id providerID: String,
        _ parameters: ParametersInForce,
        _ history: ParameterHistory,
        _ store: inout S
    ) throws(S.Failure) {
        guard facts.proofOfUse else { return }
        let now = event.time
        let fb = parameters.value.feedback
        let key: S.ContributionHandle
        let old: Contribution?
        switch facts.content {
        case .rating:
            key = store.contributionHandle(.rating(provider: providerID, user: facts.user))
            // The earlier rating (if any) is replaced below, so it is taken (and given back if it may not change yet).
            old = try store.takeContribution(key)
            // At most one change per 30 days.
            if let madeAt = old?.feedback?.madeAt, now - madeAt < fb.changeIntervalDays * millisecondsPerDay {
                store.restoreContribution(key, consume old)
                return
            }
        case .issue:
            key = store.contributionHandle(.issue(event.record))
            old = nil
        }
        let newAccount = now - facts.userRegisteredAt < fb.newAccountDays * millisecondsPerDay

        // Burst detection over the provider's feedback rates (this feedback included).
        var window = try store.takeWindow(provider) ?? FeedbackWindow(provider: providerID)
        let burst = recordFeedback(&window, at: now, newAccount: newAccount, fb)
        let held = burst && newAccount
        if burst {
            // The loop below reads the window's keys, among which may be the earlier rating's: it is read as it is
            // stored, so the taken one is given back first (and replaced below, as when it is not among them).
            if old != nil { store.restoreContribution(key, old) }
            // Hold the counted feedback from new accounts of the window, retroactively (each at most once).
            try store.prefetchContributions(window.recentFromNewAccounts.map(\.key))
            for recent in window.recentFromNewAccounts {
                let recentKey = store.contributionHandle(text: recent.key)
                guard var contribution = try store.contribution(recentKey), var details = contribution.feedback,
                    details.state == .counted || details.state == .untriaged
                else { continue }
                remove(contribution, from: &store[provider: provider], at: now, history)
                contribution.r = 0
                contribution.s = 0
                contribution.t = now
                details.state = .held
                contribution.feedback = details
                store.setContribution(recentKey, contribution)
            }
            window.recentFromNewAccounts = []
        }

        // Credibility, capped per cluster per 30 days.
        let user = try store.user(facts.user) ?? UserCredibility(id: facts.user)
        var credibility = user.credibility(verified: facts.verifiedIdentity, parameters.value)
        if !held {
            let clusterKey = facts.cluster.map(ClusterKey.organisation) ?? .user(facts.user)
            var cluster = try store.takeCluster(clusterKey) ?? ClusterWindow(id: clusterKey.text)
            let start = now - fb.clusterWindowDays * millisecondsPerDay
            // Grants are appended in time order: the expired ones are a prefix.
            cluster.grants.removePrefix { $0.t <= start }
            let used = cluster.grants.reduce(0) { $0 + $1.units }
            credibility = max(0, min(credibility, fb.clusterUnits - used))
            if credibility > 0 { cluster.grants.append(ClusterWindow.Grant(t: now, units: credibility)) }
            store.setCluster(consume cluster)
        }

        if let old = consume old {
            remove(old, from: &store[provider: provider], at: now, history)
            store.setContributionKey(old.record, nil)
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
        let (r, s) = feedbackValue(details, fb)
        store[provider: provider].feedback.add(r: r, s: s, at: now, .feedback, history)
        if r != 0 || s != 0 { addTop(&store[provider: provider], event.record, .fb, r: r, s: s, at: now, history) }
        let keyText = store.contributionKeyText(key)
        let contribution = Contribution(
            key: keyText,
            provider: providerID,
            record: event.record,
            dimension: .fb,
            r: r,
            s: s,
            t: now,
            feedback: details
        )
        store.setContribution(key, consume contribution)
        store.setContributionKey(event.record, key)
        if newAccount, !held {
            let horizon = now - fb.burstWindowHours * 3_600_000
            // Appended in time order: the expired ones are a prefix.
            window.recentFromNewAccounts.removePrefix { $0.t <= horizon }
            window.recentFromNewAccounts.append(FeedbackWindow.Recent(t: now, key: keyText))
        }
        store.setWindow(window, of: provider)
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
        // Buckets are appended in increasing index order (events come in non-decreasing time order), so the expired
        // ones are a prefix: the scan stops at the first bucket kept.
        window.hours.removePrefix { $0.index <= hour - fb.burstWindowHours }
        window.days.removePrefix { $0.index < day - fb.burstMedianDays }
        if window.hours.last?.index != hour { window.hours.append(FeedbackWindow.Bucket(index: hour)) }
        window.hours[window.hours.count - 1].count += 1
        if newAccount { window.hours[window.hours.count - 1].fromNewAccounts += 1 }
        if window.days.last?.index != day { window.days.append(FeedbackWindow.Bucket(index: day)) }
        window.days[window.days.count - 1].count += 1

        // Both sums in one pass over the buckets.
        var count = 0
        var fromNew = 0
        for bucket in window.hours {
            count += bucket.count
            fromNew += bucket.fromNewAccounts
        }
        // The threshold is at least `burstMinimum`: without more than that many feedbacks, or without a majority from
        // new accounts, there is no burst whatever the median (the usual case: the median is not computed).
        guard 2 * fromNew > count, Double(count) > fb.burstMinimum else { return false }
        // The median of the daily counts (days without feedback count 0), in a stack buffer: no allocation.
        let median = withUnsafeTemporaryAllocation(of: Int.self, capacity: Int(fb.burstMedianDays)) { buffer in
            var daily = buffer
            daily.initialize(repeating: 0)
            for bucket in window.days where bucket.index < day {
                daily[Int(bucket.index - (day - fb.burstMedianDays))] = bucket.count
            }
            daily.sort()
            return daily.isEmpty
                ? 0
                : (daily.count % 2 == 1
                    ? Double(daily[daily.count / 2]) : Double(daily[daily.count / 2 - 1] + daily[daily.count / 2]) / 2)
        }
        let threshold = max(fb.burstMinimum, fb.burstMedianMultiple * median)
        return Double(count) > threshold && 2 * fromNew > count
    }

    static func triage<S: ReputationDocumentStore>(
        _ target: RecordID,
        _ verdict: TriageVerdict,
        at now: Int64,
        _ parameters: ParametersInForce,
        _ history: ParameterHistory,
        _ store: inout S
    ) throws(S.Failure) {
        guard let key = try store.contributionKey(target), var contribution = try store.contribution(key),
            contribution.record == target, var details = contribution.feedback,
            details.state == .untriaged || details.state == .held
        else { return }
        let isIssue = details.content == .issue
        // The user before the provider: the provider is open, and must be closed on every path.
        var user = try store.user(details.user) ?? UserCredibility(id: details.user)
        let provider = store.providerHandle(contribution.provider)
        guard try store.openProvider(provider, create: false) else { return }
        remove(contribution, from: &store[provider: provider], at: now, history)
        store[provider: provider].events += 1
        switch verdict {
        case .confirm:
            details.state = isIssue ? .confirmed : .counted
            let (r, s) = feedbackValue(details, parameters.value.feedback)
            store[provider: provider].feedback.add(r: r, s: s, at: now, .feedback, history)
            addTop(&store[provider: provider], target, .fb, r: r, s: s, at: now, history)
            contribution.r = r
            contribution.s = s
            contribution.t = now
            contribution.feedback = details
            store.setContribution(key, contribution)
            if isIssue { user.confirmed += 1 }
        case .reject:
            store.setContribution(key, nil)
            store.setContributionKey(target, nil)
            if isIssue { user.rejected += 1 }
        }
        if isIssue { store.setUser(user) }
        store.closeProvider(provider, changed: true)
    }

    // MARK: - Contributions

    /// Subtracts the decayed value of `contribution` (replaced or removed) from its dimension, in O(1).
    ///
    /// An attestation of the auditor `deferred` is not subtracted from that auditor's mass: the masses to subtract
    /// are returned, for the caller to add (in the same access as its own).
    @discardableResult
    static func remove(
        _ contribution: Contribution,
        from provider: inout ProviderReputation,
        at now: Int64,
        _ history: ParameterHistory,
        deferring deferred: String? = nil
    ) -> (r: Double, s: Double)? {
        let record = contribution.record
        let dimension = contribution.dimension
        provider.top.removeEvery { $0.dimension == dimension && $0.record == record }
        guard contribution.r != 0 || contribution.s != 0 else { return nil }
        switch contribution.dimension {
        case .att:
            guard let auditor = contribution.auditor else { return nil }
            let f = history.decay(.attestation, from: contribution.t, to: now)
            if auditor == deferred { return (-contribution.r * f, -contribution.s * f) }
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
        return nil
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
        provider.top.remove(at: smallestTop(provider.top, at: time, history))
    }

    /// The index of the first entry of `top` with the smallest current value `(r + s) · decay(t → time)` (the first
    /// such entry), the decay as ``ParameterHistory/decay(_:from:to:)`` computes it (``NewestDecay``).
    ///
    /// Without an `exp2` per entry: a first pass approximates each entry's log₂ value within δ
    /// (``NewestDecay/logValue(_:at:_:)``, NaN where no bound is promised). An entry whose approximation exceeds the
    /// smallest one, `a`, by more than 2δ has an exact value larger than that of the entry with approximation `a`
    /// (log₂ of the former > a + δ ≥ log₂ of the latter): it is neither the smallest nor tied with it. So when
    /// every other entry is that far above (the usual case), the entry with approximation `a` is the answer;
    /// otherwise a second pass computes the exact value of the entries within 2δ of `a` and of the NaN ones, and
    /// keeps the first smallest of these. Either way the result is the index the scan of every exact value gives.
    static func smallestTop(_ top: [TopContribution], at time: Int64, _ history: ParameterHistory) -> Int {
        let newest = NewestDecay(history)
        return top.withUnsafeBufferPointer { entries in
            withUnsafeTemporaryAllocation(of: Double.self, capacity: entries.count + 4) { buffer in
                let inverses = UnsafeMutableBufferPointer(rebasing: buffer[entries.count...])
                newest.writeInverses(to: inverses)
                let table = UnsafePointer(inverses.baseAddress!)
                let approximations = UnsafeMutableBufferPointer(rebasing: buffer[..<entries.count])
                var smallest = 0
                var smallestApproximation = Double.infinity
                var secondApproximation = Double.infinity
                var unbounded = false
                var entry = entries.baseAddress
                var approximation = approximations.baseAddress
                for index in 0..<entries.count {
                    let value = newest.logValue(entry.unsafelyUnwrapped.pointee, at: time, table)
                    approximation.unsafelyUnwrapped.pointee = value
                    entry = entry.unsafelyUnwrapped + 1
                    approximation = approximation.unsafelyUnwrapped + 1
                    if value < secondApproximation {
                        if value < smallestApproximation {
                            secondApproximation = smallestApproximation
                            smallestApproximation = value
                            smallest = index
                        } else {
                            secondApproximation = value
                        }
                    } else if value.isNaN {
                        unbounded = true
                    }
                }
                let bound = smallestApproximation + 2 * NewestDecay.logError
                if !unbounded, secondApproximation > bound { return smallest }
                smallest = 0
                var smallestValue = Double.infinity
                for index in entries.indices where !(approximations[index] > bound) {
                    let entry = entries[index]
                    let value = (entry.r + entry.s) * newest.decay(entry.dimension, from: entry.t, to: time, history)
                    if value < smallestValue {
                        smallest = index
                        smallestValue = value
                    }
                }
                return smallest
            }
        }
    }
}

extension Array {
    /// Removes the leading elements that satisfy `shouldBeRemoved` (up to the first that does not), without a write or
    /// a uniqueness check when none does: on a list ordered by a key that the predicate bounds (a window's buckets,
    /// by index), the elements ``removeEvery(where:)`` removes, found without reading the elements kept.
    @inline(__always)
    mutating func removePrefix(while shouldBeRemoved: (Element) -> Bool) {
        var end = 0
        while end < count, shouldBeRemoved(self[end]) { end += 1 }
        // Usually one element (a day's bucket): `remove(at:)` moves the others down at once, where a range
        // replacement goes through a generic path.
        if end == 1 {
            remove(at: 0)
        } else if end > 1 {
            removeSubrange(0..<end)
        }
    }

    /// Removes the elements that satisfy `shouldBeRemoved`, as `removeAll(where:)` does (the others kept in their
    /// order, the predicate evaluated once per element), but without a write or a uniqueness check when none does,
    /// and otherwise by removing each at its index: the rules prune small lists at most events, and usually nothing
    /// or one element goes (a replaced contribution's top entry), so the elements after it move down at once, where
    /// moving the kept ones down one by one swaps each (three copies of an entry of the top list).
    @inline(__always)
    mutating func removeEvery(where shouldBeRemoved: (Element) -> Bool) {
        guard var index = firstIndex(where: shouldBeRemoved) else { return }
        remove(at: index)
        while index < count {
            if shouldBeRemoved(self[index]) { remove(at: index) } else { index += 1 }
        }
    }
}
