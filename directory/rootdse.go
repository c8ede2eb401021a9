package directory

import (
	"strings"

	"userdir/schema"
)

// The controls and extensions the server implements (RootDSE).
const (
	OIDPaging   = "1.2.840.113556.1.4.319"
	OIDSort     = "1.2.840.113556.1.4.473"
	OIDSortResp = "1.2.840.113556.1.4.474"
	OIDVLV      = "2.16.840.1.113730.3.4.9"
	OIDVLVResp  = "2.16.840.1.113730.3.4.10"
	OIDStartTLS = "1.3.6.1.4.1.1466.20037"
	OIDWhoAmI   = "1.3.6.1.4.1.4203.1.11.3"
	// OIDNoticeOfDisconnection names the unsolicited notification of RFC 4511 §4.4.1.
	OIDNoticeOfDisconnection = "1.3.6.1.4.1.1466.20036"
)

var subschemaNDN = mustNormalize(schema.SubschemaDN)

func mustNormalize(dn string) string {
	n, err := schema.NormalizeDN(dn)
	if err != nil {
		panic(err)
	}
	return n
}

// rootDSE builds the root DSE (RFC 4512 §5.1). Its attributes but
// objectClass are operational, returned for "+" or by name; like most
// servers we return them for "*" and an empty list too (see
// run.rootSelection): clients and administrators read it with a plain
// ldapsearch.
func rootDSE(o Options) *schema.Entry {
	ext := []string{OIDWhoAmI}
	if o.StartTLS {
		ext = append([]string{OIDStartTLS}, ext...)
	}
	version := "userdir"
	if o.VendorVersion != "" {
		version = "userdir " + o.VendorVersion
	}
	e := &schema.Entry{DN: "", NormDN: ""}
	add := func(name string, values ...string) {
		t := schema.LookupAttribute(name)
		if t == nil {
			panic("rootDSE: unknown attribute " + name)
		}
		norm := make([]string, len(values))
		for i, v := range values {
			norm[i] = strings.ToLower(v)
			if t.Equality != nil {
				if n, ok := t.Equality.Normalize(v); ok {
					norm[i] = n
				}
			}
		}
		a := schema.MakeAttr(t, values, norm)
		if t.Operational {
			e.Operational = append(e.Operational, a)
		} else {
			e.Attrs = append(e.Attrs, a)
		}
	}
	add("objectClass", "top", "extensibleObject")
	add("namingContexts", o.Mapper.SuffixDN())
	add("supportedLDAPVersion", "2", "3")
	add("supportedControl", OIDPaging, OIDSort, OIDVLV)
	add("supportedExtension", ext...)
	add("supportedFeatures", "1.3.6.1.4.1.4203.1.5.1", "1.3.6.1.4.1.4203.1.5.3")
	add("subschemaSubentry", schema.SubschemaDN)
	add("vendorName", "userdir")
	add("vendorVersion", version)
	e.Active, e.Visible = true, true
	return e
}
