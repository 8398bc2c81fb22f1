import CoreMetrics
import Prometheus

/// A swift-metrics factory on a Prometheus registry that gives each family its help text from
/// ``BridgeMetricFamily`` (swift-prometheus' own factory registers every family with an empty
/// help, and the registry refuses a second, different help for the same name).
struct DescribedMetricsFactory: CoreMetrics.MetricsFactory {
    let registry: PrometheusCollectorRegistry
    let durationBuckets: [Duration]
    let valueBuckets: [String: [Double]]
    /// For an aggregating recorder without buckets of its own: swift-prometheus' defaults.
    let defaultValueBuckets: [Double]

    init(registry: PrometheusCollectorRegistry, durationBuckets: [Duration], valueBuckets: [String: [Double]]) {
        self.registry = registry
        self.durationBuckets = durationBuckets
        self.valueBuckets = valueBuckets
        self.defaultValueBuckets = PrometheusMetricsFactory(registry: registry).defaultValueHistogramBuckets
    }

    private func descriptor(_ label: String) -> MetricNameDescriptor {
        // The label is already the full name: no unit suffix is appended.
        MetricNameDescriptor(metricName: label, unitName: "", helpText: BridgeMetricFamily.help(for: label) ?? "")
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CoreMetrics.CounterHandler {
        self.registry.makeCounter(descriptor: self.descriptor(label), labels: dimensions)
    }

    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any CoreMetrics.FloatingPointCounterHandler {
        self.registry.makeCounter(descriptor: self.descriptor(label), labels: dimensions)
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any CoreMetrics.RecorderHandler {
        guard aggregate else { return self.registry.makeGauge(descriptor: self.descriptor(label), labels: dimensions) }
        let buckets = self.valueBuckets[label] ?? self.defaultValueBuckets
        return self.registry.makeValueHistogram(descriptor: self.descriptor(label), labels: dimensions, buckets: buckets)
    }

    func makeMeter(label: String, dimensions: [(String, String)]) -> any CoreMetrics.MeterHandler {
        self.registry.makeGauge(descriptor: self.descriptor(label), labels: dimensions)
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any CoreMetrics.TimerHandler {
        self.registry.makeDurationHistogram(descriptor: self.descriptor(label), labels: dimensions, buckets: self.durationBuckets)
    }

    func destroyCounter(_ handler: any CoreMetrics.CounterHandler) {
        if let counter = handler as? Prometheus.Counter { self.registry.unregisterCounter(counter) }
    }

    func destroyFloatingPointCounter(_ handler: any CoreMetrics.FloatingPointCounterHandler) {
        if let counter = handler as? Prometheus.Counter { self.registry.unregisterCounter(counter) }
    }

    func destroyRecorder(_ handler: any CoreMetrics.RecorderHandler) {
        switch handler {
        case let gauge as Prometheus.Gauge: self.registry.unregisterGauge(gauge)
        case let histogram as Prometheus.Histogram<Double>: self.registry.unregisterValueHistogram(histogram)
        default: break
        }
    }

    func destroyMeter(_ handler: any CoreMetrics.MeterHandler) {
        if let gauge = handler as? Prometheus.Gauge { self.registry.unregisterGauge(gauge) }
    }

    func destroyTimer(_ handler: any CoreMetrics.TimerHandler) {
        if let histogram = handler as? Prometheus.Histogram<Duration> { self.registry.unregisterDurationHistogram(histogram) }
    }
}
