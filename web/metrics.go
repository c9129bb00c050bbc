package web

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"hearth/room"
)

// Metrics is what Hearth reports at /metrics, in its own registry (no global
// state). It is the rooms' Observer and takes the store's commit timings.
type Metrics struct {
	reg *prometheus.Registry

	connected   prometheus.Gauge
	actions     *prometheus.CounterVec
	rejected    *prometheus.CounterVec
	slowDropped prometheus.Counter
	floods      prometheus.Counter
	commitTime  prometheus.Histogram
	commitBatch prometheus.Histogram
	fanOut      prometheus.Histogram
	action      prometheus.Histogram
}

var _ room.Observer = (*Metrics)(nil)

// timeBuckets bound the time histograms: 0.1 ms to 2.5 s, each bound 1.5
// times the last, fine enough to read a p99 from.
var timeBuckets = prometheus.ExponentialBuckets(0.0001, 1.5, 26)

// NewMetrics makes the metrics; liveRooms is read at each scrape.
func NewMetrics(liveRooms func() int) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		connected: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "hearth_connected_members", Help: "Member WebSocket connections open now (joined or waiting).",
		}),
		actions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hearth_actions_total", Help: "Actions applied and committed, by type.",
		}, []string{"type"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hearth_rejected_total", Help: "Inputs refused, by reason (the error code sent to the client).",
		}, []string{"reason"}),
		slowDropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "hearth_slow_members_dropped_total", Help: "Members disconnected because their send queue was full.",
		}),
		floods: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "hearth_flooding_members_dropped_total", Help: "Members disconnected for sending too many messages.",
		}),
		commitTime: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "hearth_commit_seconds", Help: "Time of one group commit to the database, fsync included.",
			Buckets: timeBuckets,
		}),
		commitBatch: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "hearth_commit_batch_size", Help: "Room saves carried by one group commit.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 11),
		}),
		action: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "hearth_action_seconds", Help: "Time from reading a member's action until it is applied, committed and offered to the room's members, or refused.",
			Buckets: timeBuckets,
		}),
		fanOut: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "hearth_fanout_seconds", Help: "Time from a committed change's publication until the last member it was offered to has it written to their connection.",
			Buckets: timeBuckets,
		}),
	}
	m.reg.MustRegister(
		m.connected, m.actions, m.rejected, m.slowDropped, m.floods, m.commitTime, m.commitBatch, m.fanOut, m.action,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "hearth_live_rooms", Help: "Rooms open now.",
		}, func() float64 { return float64(liveRooms()) }),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// Applied counts a committed action.
func (m *Metrics) Applied(cmdType string) { m.actions.WithLabelValues(cmdType).Inc() }

// Rejected counts a refused action.
func (m *Metrics) Rejected(code string) { m.rejected.WithLabelValues(code).Inc() }

// SlowDropped counts a member dropped for not keeping up.
func (m *Metrics) SlowDropped() { m.slowDropped.Inc() }

// Acted records the time one action took from its frame being read to its
// change being offered to the members (or its refusal).
func (m *Metrics) Acted(took time.Duration) { m.action.Observe(took.Seconds()) }

// FannedOut records the time one change took to reach every member's connection.
func (m *Metrics) FannedOut(took time.Duration) { m.fanOut.Observe(took.Seconds()) }

// Committed records one group commit.
func (m *Metrics) Committed(batch int, took time.Duration) {
	m.commitBatch.Observe(float64(batch))
	m.commitTime.Observe(took.Seconds())
}

// Handler serves the metrics in Prometheus' text format. With a token it
// answers only requests that carry it (Authorization: Bearer TOKEN,
// compared in constant time) and 401 to others; with "" it answers all, for
// an address only the operator can reach.
func (m *Metrics) Handler(token string) http.Handler {
	h := promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
	if token == "" {
		return h
	}
	want := sha256.Sum256([]byte("Bearer " + token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Hashing first gives equal lengths, so the comparison takes the
		// same time whatever was sent.
		got := sha256.Sum256([]byte(r.Header.Get("Authorization")))
		if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="hearth metrics"`)
			http.Error(w, "a metrics token is needed", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}
