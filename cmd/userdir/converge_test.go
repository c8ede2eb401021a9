package main

import (
	"bytes"
	"fmt"
	"maps"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"

	"userdir/config"
	"userdir/internal/convergence"
	"userdir/mailcmd"
	"userdir/schema"
	"userdir/store"
)

// genMessage is one generated command message.
type genMessage struct {
	code, id string
	date     time.Time
	lines    []string
	div      string
}

func (m genMessage) text() string {
	return commandMail(m.code, m.id, m.date.Format(time.RFC1123Z), strings.Join(m.lines, "\n"))
}

var convergeDivisions = []struct{ id, code string }{{"tyumen", "0001"}, {"tobolsk", "0002"}, {"surgut", "0003"}}

// generateStream makes n messages over three divisions on overlapping
// addresses (the same address in several divisions included), each address
// of one kind for its life, with distinct random Date stamps.
func generateStream(r *rand.Rand, n int) []genMessage {
	base := time.Date(2026, 10, 1, 8, 0, 0, 0, time.FixedZone("+05", 5*3600))
	stamps := r.Perm(n * 3)
	names := []string{"Иванов Иван", "Петров Пётр", "Ёлкина Анна", "Smith John", "Сидоров Сидор Сидорович", ""}
	fields := []string{"name", "gor", "mer", "sot", "of", "post", "sdiv", "vis", "act"}
	value := func(f string) string {
		switch f {
		case "name":
			return names[r.IntN(len(names))]
		case "vis", "act":
			return []string{"0", "1", ""}[r.IntN(3)]
		case "gor", "mer", "sot":
			return fmt.Sprintf("%d-%02d", r.IntN(90)+10, r.IntN(100))
		}
		return []string{"", "Отдел " + fmt.Sprint(r.IntN(5)), "каб. 2" + fmt.Sprint(r.IntN(9))}[r.IntN(3)]
	}
	addr := func() (string, bool) {
		i := r.IntN(40)
		return fmt.Sprintf("user%02d@company.ru", i), i%7 == 0 // every seventh address is an alias
	}
	out := make([]genMessage, n)
	for i := range out {
		d := convergeDivisions[r.IntN(3)]
		// stamps[i]/2: messages come in pairs with one Date (equal Dates).
		m := genMessage{code: d.code, div: d.id, id: fmt.Sprintf("gen-%d@test", i), date: base.Add(time.Duration(stamps[i]/2) * time.Minute)}
		if r.IntN(12) == 0 {
			kind := []string{"mbox", "alias"}[r.IntN(2)]
			m.lines = append(m.lines, "_cmd=sync:type="+kind)
			for j := 0; j < 15; j++ {
				a, alias := addr()
				if alias == (kind == "alias") {
					m.lines = append(m.lines, fmt.Sprintf("_cmd=insert:type=%s:eml=%s:name=%s:gor=%s", kind, a, value("name"), value("gor")))
				}
			}
			out[i] = m
			continue
		}
		for k := r.IntN(4) + 1; k > 0; k-- {
			a, alias := addr()
			typ := "type=mbox"
			if alias {
				typ = "type=alias:dst=ivanov@company.ru"
			}
			var line string
			switch op := r.IntN(10); {
			case op < 4:
				line = "_cmd=insert:" + typ + ":eml=" + a
			case op < 8:
				line = "_cmd=update:" + typ + ":eml=" + a
			default:
				line = "_cmd=delete:eml=" + a
			}
			if !strings.HasPrefix(line, "_cmd=delete") {
				for _, f := range fields {
					if r.IntN(3) == 0 {
						line += ":" + f + "=" + value(f)
					}
				}
			}
			m.lines = append(m.lines, line)
		}
		out[i] = m
	}
	return out
}

// model is the convergence model of msgs, their lines parsed as ingest
// parses them.
func model(msgs []genMessage) map[convergence.Key]*convergence.Record {
	in := make([]convergence.Message, len(msgs))
	for i, m := range msgs {
		cmds, rejects, _ := mailcmd.ParseCommands(strings.Join(m.lines, "\n"))
		if len(rejects) > 0 {
			panic(fmt.Sprintf("generated message %s has rejected lines: %v", m.id, rejects))
		}
		in[i] = convergence.Message{Division: m.div, Stamp: m.date, Tie: store.Tie(m.id, 0), Commands: cmds}
	}
	return convergence.Run(in)
}

// modelLDIF renders the model's served records (existing, and the winner
// of their address) as `dump -role all` would.
func modelLDIF(t *testing.T, cfg *config.Config, recs map[convergence.Key]*convergence.Record) string {
	t.Helper()
	winners := convergence.Winners(recs)
	var list []store.Record
	for k, m := range recs {
		if convergence.Shown(recs, winners, k) {
			list = append(list, store.Record{Division: k.Division, Eml: k.Eml, Exists: true, Values: m.Values})
		}
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].Division != list[j].Division {
			return list[i].Division < list[j].Division
		}
		return list[i].Eml < list[j].Eml
	})
	entries, _, err := roleEntries(cfg, list, schema.RoleAll)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := schema.WriteLDIF(&b, entries, schema.LDIFOptions{}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// ingestAll ingests msgs in order into the store of cfg and returns its
// `dump -role all` and the Message-IDs of the syncs it held and never
// applied.
func ingestAll(t *testing.T, cfg string, msgs []genMessage) (string, map[string]bool) {
	t.Helper()
	for _, m := range msgs {
		if r := runCmd(t, m.text(), map[string]string{"SENDER": "admin@company.ru"}, "ingest", "-config", cfg); r.code != exitOK {
			t.Fatalf("ingest %s: %+v", m.id, r)
		}
	}
	r := runCmd(t, "", nil, "dump", "-config", cfg, "-role", "all")
	if r.code != exitOK {
		t.Fatalf("dump: %+v", r)
	}
	c, err := config.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	st, err := openReadOnly(t.Context(), c)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	journal, err := st.Journal(t.Context(), 0)
	if err != nil {
		t.Fatal(err)
	}
	held, applied := map[string]bool{}, map[string]bool{}
	for _, j := range journal {
		held[j.MessageID] = held[j.MessageID] || j.Outcome == store.OutcomeHeld
		applied[j.MessageID] = applied[j.MessageID] || j.Outcome == store.OutcomeApplied
	}
	for id, h := range held {
		if !h || applied[id] {
			delete(held, id)
		}
	}
	return r.stdout, held
}

// withoutHeld returns msgs less the held ones, every sync forced: a held
// sync is a lost message, and the others must apply as they did.
func withoutHeld(msgs []genMessage, held map[string]bool) []genMessage {
	var out []genMessage
	for _, m := range msgs {
		if held[m.id] {
			continue
		}
		if len(m.lines) > 0 && strings.HasPrefix(m.lines[0], "_cmd=sync") {
			m.lines = append([]string{m.lines[0] + ":force=1"}, m.lines[1:]...)
		}
		out = append(out, m)
	}
	return out
}

// The same stream of 500 messages (pairs of equal Dates, syncs that meet
// the safety net, addresses shared between divisions), applied in
// generation order and again shuffled with 10% duplicates: each `dump -role
// all` equals that of the stream less the syncs it held, replayed shuffled,
// and what the docs/protocol.md#meaning rules applied in version order
// give, one entry per address.
func TestConvergenceThroughIngestAndDump(t *testing.T) {
	if testing.Short() {
		t.Skip("long: 1,100 ingests")
	}
	r := rand.New(rand.NewPCG(2026, 11))
	msgs := generateStream(r, 500)
	inOrder, heldA := ingestAll(t, sampleConfig(t, t.TempDir()), msgs)

	shuffled := append([]genMessage(nil), msgs...)
	for i := 0; i < len(msgs)/10; i++ {
		shuffled = append(shuffled, msgs[r.IntN(len(msgs))])
	}
	r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	cfgPath := sampleConfig(t, t.TempDir())
	again, heldB := ingestAll(t, cfgPath, shuffled)
	if len(heldA)+len(heldB) == 0 {
		t.Error("no sync held: the stream does not exercise the safety net")
	}
	if maps.Equal(heldA, heldB) && inOrder != again {
		t.Fatalf("in order and shuffled differ:\n%s", firstDiff(inOrder, again))
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		dump string
		held map[string]bool
	}{{"in order", inOrder, heldA}, {"shuffled", again, heldB}} {
		kept := withoutHeld(msgs, c.held)
		replay := append([]genMessage(nil), kept...)
		r.Shuffle(len(replay), func(i, j int) { replay[i], replay[j] = replay[j], replay[i] })
		if got, _ := ingestAll(t, sampleConfig(t, t.TempDir()), replay); got != c.dump {
			t.Fatalf("%s: replayed without its %d held syncs, it differs:\n%s", c.name, len(c.held), firstDiff(c.dump, got))
		}
		if want := modelLDIF(t, cfg, model(kept)); c.dump != want {
			t.Fatalf("%s: store and version-order model differ:\n%s", c.name, firstDiff(want, c.dump))
		}
	}
	if n := strings.Count(inOrder, "\ndn:"); n < 30 {
		t.Errorf("only %d entries survived: the stream does not exercise much", n)
	}
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) && i < len(bl); i++ {
		if al[i] != bl[i] {
			lo := max(0, i-8)
			return fmt.Sprintf("line %d:\n--- want\n%s\n+++ got\n%s", i+1, strings.Join(al[lo:min(len(al), i+4)], "\n"), strings.Join(bl[lo:min(len(bl), i+4)], "\n"))
		}
	}
	return fmt.Sprintf("lengths %d vs %d lines", len(al), len(bl))
}
