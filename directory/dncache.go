package directory

import (
	"sync"

	"userdir/schema"
)

// dnCache remembers normalized base DNs: clients search the same few bases
// on every request, and parsing a DN costs a few microseconds. DNs longer
// than maxCachedDNLen are not remembered, so that the cache holds at most
// some maxCachedDNs × 2 × maxCachedDNLen bytes whatever clients send.
type dnCache struct {
	mu sync.RWMutex
	m  map[string]string
}

const (
	maxCachedDNs   = 1024
	maxCachedDNLen = 512
)

func (c *dnCache) normalize(dn string) (string, error) {
	c.mu.RLock()
	n, ok := c.m[dn]
	c.mu.RUnlock()
	if ok {
		return n, nil
	}
	n, err := schema.NormalizeDN(dn)
	if err != nil {
		return "", err
	}
	if len(dn) > maxCachedDNLen {
		return n, nil
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxCachedDNs {
		c.m = make(map[string]string)
	}
	c.m[dn] = n
	c.mu.Unlock()
	return n, nil
}
