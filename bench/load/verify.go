package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"userdir/bench/internal/benchldap"
)

// verifyKinds are the term kinds -verify checks, in order.
var verifyKinds = []string{"mail_hit", "mail_miss", "mail_case", "prefix", "phone", "phone_miss", "division"}

// runVerify runs every term once on one connection and compares the number
// of entries with the terms file: autocomplete terms with the size limit
// (sizeLimitExceeded is right past it), the others without one. Each wrong
// term goes to stderr; the summary line to stdout.
func runVerify(c config, terms map[string][]term) (bool, error) {
	rc, err := dialRaw(benchldap.HostPort(c.addr), c.dn, c.pw, 5*time.Second)
	if err != nil {
		return false, err
	}
	defer rc.close()
	var detail []string
	checked, wrong, errs := 0, 0, 0
	for _, kind := range verifyKinds {
		kw := 0
		for _, t := range terms[kind] {
			q, err := makeQuery(t, c.base, c.sizeLimit)
			if err != nil {
				return false, err
			}
			n, code, err := rc.search(q.op)
			if err != nil {
				return false, fmt.Errorf("%s: %w", q.text, err)
			}
			checked++
			switch {
			case code != resultSuccess && !(code == resultSizeLimitEx && q.sizeLimit):
				errs++
				fmt.Fprintf(os.Stderr, "term kind=%s value=%q expected=%d got=%d result=%d\n", kind, t.value, q.expected, n, code)
			case n != q.expected:
				kw++
				fmt.Fprintf(os.Stderr, "term kind=%s value=%q expected=%d got=%d result=%d\n", kind, t.value, q.expected, n, code)
			}
		}
		wrong += kw
		detail = append(detail, fmt.Sprintf("%s=%d/%d", kind, kw, len(terms[kind])))
	}
	rc.unbind()
	line := fmt.Sprintf("verify terms=%d mismatches=%d errors=%d autocomplete_sizelimit=%d detail=%s",
		checked, wrong, errs, c.sizeLimit, strings.Join(detail, ","))
	if c.label != "" {
		line += " " + c.label
	}
	fmt.Println(line)
	return wrong == 0 && errs == 0, nil
}
