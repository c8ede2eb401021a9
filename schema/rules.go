package schema

import (
	"strconv"
	"strings"

	ber "github.com/go-asn1-ber/asn1-ber"
	"github.com/google/uuid"
)

// Syntax OIDs (RFC 4517 §3.3, RFC 4530 §2.1).
const (
	syntaxAttributeTypeDesc = "1.3.6.1.4.1.1466.115.121.1.3"
	syntaxBoolean           = "1.3.6.1.4.1.1466.115.121.1.7"
	syntaxDN                = "1.3.6.1.4.1.1466.115.121.1.12"
	syntaxDirectoryString   = "1.3.6.1.4.1.1466.115.121.1.15"
	syntaxGeneralizedTime   = "1.3.6.1.4.1.1466.115.121.1.24"
	syntaxIA5String         = "1.3.6.1.4.1.1466.115.121.1.26"
	syntaxInteger           = "1.3.6.1.4.1.1466.115.121.1.27"
	syntaxMatchingRuleDesc  = "1.3.6.1.4.1.1466.115.121.1.30"
	syntaxObjectClassDesc   = "1.3.6.1.4.1.1466.115.121.1.37"
	syntaxOID               = "1.3.6.1.4.1.1466.115.121.1.38"
	syntaxTelephoneNumber   = "1.3.6.1.4.1.1466.115.121.1.50"
	syntaxLDAPSyntaxDesc    = "1.3.6.1.4.1.1466.115.121.1.54"
	syntaxSubstringAssert   = "1.3.6.1.4.1.1466.115.121.1.58"
	syntaxUUID              = "1.3.6.1.1.16.1"
)

// ldapSyntax is one syntax the subschema publishes in ldapSyntaxes.
type ldapSyntax struct{ OID, Desc string }

var ldapSyntaxList = []ldapSyntax{
	{syntaxAttributeTypeDesc, "Attribute Type Description"},
	{syntaxBoolean, "Boolean"},
	{syntaxDN, "DN"},
	{syntaxDirectoryString, "Directory String"},
	{syntaxGeneralizedTime, "Generalized Time"},
	{syntaxIA5String, "IA5 String"},
	{syntaxInteger, "INTEGER"},
	{syntaxMatchingRuleDesc, "Matching Rule Description"},
	{syntaxObjectClassDesc, "Object Class Description"},
	{syntaxOID, "OID"},
	{syntaxTelephoneNumber, "Telephone Number"},
	{syntaxLDAPSyntaxDesc, "LDAP Syntax Description"},
	{syntaxSubstringAssert, "Substring Assertion"},
	{syntaxUUID, "UUID"},
}

// normKind groups the rules that share one normalization function: a value
// normalized for one rule of a kind is valid for every rule of that kind, so
// Attr.Norm() can be used directly (extensible match, approx).
type normKind uint8

const (
	normText normKind = iota + 1 // RFC 4518 preparation, case folded (also IA5 ignore-case)
	normExactIA5
	normPhone
	normOID
	normOIDFirst
	normDN
	normBoolean
	normInteger
	normTime
	normUUID
)

// ruleUse says what kind of comparison a rule performs.
type ruleUse uint8

const (
	useEquality ruleUse = iota + 1
	useOrdering
	useSubstr
)

// ruleInfo is what the package knows about a rule beyond the shared struct.
type ruleInfo struct {
	syntax string // assertion syntax, as published in matchingRules
	norm   normKind
	use    ruleUse
}

// The matching rules (RFC 4517 §4.2, RFC 4530 §3, RFC 3045). The phone rules
// keep the standard names but compare digits with the suffix rule of
// docs/directory.md#matching; the IA5 ignore-case rules share the text preparation so that mail
// can be ordered with caseIgnoreOrderingMatch.
var (
	RuleObjectIdentifier = &MatchingRule{OID: "2.5.13.0", Name: "objectIdentifierMatch", Normalize: normalizeOID}
	RuleDN               = &MatchingRule{OID: "2.5.13.1", Name: "distinguishedNameMatch", Normalize: normalizeDNValue}
	RuleCaseIgnore       = &MatchingRule{OID: "2.5.13.2", Name: "caseIgnoreMatch", Normalize: prepText}
	RuleCaseIgnoreOrder  = &MatchingRule{OID: "2.5.13.3", Name: "caseIgnoreOrderingMatch", Normalize: prepText, Compare: strings.Compare}
	RuleCaseIgnoreSubstr = &MatchingRule{OID: "2.5.13.4", Name: "caseIgnoreSubstringsMatch", Normalize: prepText}
	RuleBoolean          = &MatchingRule{OID: "2.5.13.13", Name: "booleanMatch", Normalize: normalizeBoolean}
	RuleInteger          = &MatchingRule{OID: "2.5.13.14", Name: "integerMatch", Normalize: normalizeInteger}
	RulePhone            = &MatchingRule{OID: "2.5.13.20", Name: "telephoneNumberMatch", Normalize: phoneDigits, Equal: phoneEqual}
	RulePhoneSubstr      = &MatchingRule{OID: "2.5.13.21", Name: "telephoneNumberSubstringsMatch", Normalize: phoneDigits}
	RuleTime             = &MatchingRule{OID: "2.5.13.27", Name: "generalizedTimeMatch", Normalize: normalizeTime}
	RuleTimeOrder        = &MatchingRule{OID: "2.5.13.28", Name: "generalizedTimeOrderingMatch", Normalize: normalizeTime, Compare: strings.Compare}
	RuleOIDFirst         = &MatchingRule{OID: "2.5.13.30", Name: "objectIdentifierFirstComponentMatch", Normalize: normalizeOIDFirst}
	RuleCaseExactIA5     = &MatchingRule{OID: "1.3.6.1.4.1.1466.109.114.1", Name: "caseExactIA5Match", Normalize: normalizeExactIA5}
	RuleCaseIgnoreIA5    = &MatchingRule{OID: "1.3.6.1.4.1.1466.109.114.2", Name: "caseIgnoreIA5Match", Normalize: prepIA5}
	RuleCaseIgnoreIA5Sub = &MatchingRule{OID: "1.3.6.1.4.1.1466.109.114.3", Name: "caseIgnoreIA5SubstringsMatch", Normalize: prepText}
	RuleUUID             = &MatchingRule{OID: "1.3.6.1.1.16.2", Name: "UUIDMatch", Normalize: normalizeUUID}
	RuleUUIDOrder        = &MatchingRule{OID: "1.3.6.1.1.16.3", Name: "UUIDOrderingMatch", Normalize: normalizeUUID, Compare: strings.Compare}
)

// ruleInfos is filled by init (the rules' Normalize functions reach the
// attribute index, so the tables cannot be initialized statically).
var (
	ruleInfos map[*MatchingRule]ruleInfo
	ruleIndex map[string]*MatchingRule
	ruleList  []*MatchingRule
)

func init() {
	ruleInfos = map[*MatchingRule]ruleInfo{
		RuleObjectIdentifier: {syntaxOID, normOID, useEquality},
		RuleDN:               {syntaxDN, normDN, useEquality},
		RuleCaseIgnore:       {syntaxDirectoryString, normText, useEquality},
		RuleCaseIgnoreOrder:  {syntaxDirectoryString, normText, useOrdering},
		RuleCaseIgnoreSubstr: {syntaxSubstringAssert, normText, useSubstr},
		RuleBoolean:          {syntaxBoolean, normBoolean, useEquality},
		RuleInteger:          {syntaxInteger, normInteger, useEquality},
		RulePhone:            {syntaxTelephoneNumber, normPhone, useEquality},
		RulePhoneSubstr:      {syntaxSubstringAssert, normPhone, useSubstr},
		RuleTime:             {syntaxGeneralizedTime, normTime, useEquality},
		RuleTimeOrder:        {syntaxGeneralizedTime, normTime, useOrdering},
		RuleOIDFirst:         {syntaxOID, normOIDFirst, useEquality},
		RuleCaseExactIA5:     {syntaxIA5String, normExactIA5, useEquality},
		RuleCaseIgnoreIA5:    {syntaxIA5String, normText, useEquality},
		RuleCaseIgnoreIA5Sub: {syntaxSubstringAssert, normText, useSubstr},
		RuleUUID:             {syntaxUUID, normUUID, useEquality},
		RuleUUIDOrder:        {syntaxUUID, normUUID, useOrdering},
	}
	ruleIndex = make(map[string]*MatchingRule, 2*len(ruleInfos))
	for _, r := range []*MatchingRule{RuleObjectIdentifier, RuleDN, RuleCaseIgnore, RuleCaseIgnoreOrder,
		RuleCaseIgnoreSubstr, RuleBoolean, RuleInteger, RulePhone, RulePhoneSubstr, RuleTime, RuleTimeOrder,
		RuleOIDFirst, RuleCaseExactIA5, RuleCaseIgnoreIA5, RuleCaseIgnoreIA5Sub, RuleUUID, RuleUUIDOrder} {
		ruleList = append(ruleList, r)
		ruleIndex[strings.ToLower(r.Name)] = r
		ruleIndex[r.OID] = r
	}
	initAttributes()
	initSharedAttrs()
}

// LookupMatchingRule returns the matching rule named nameOrOID (a name,
// case-insensitive, or a numeric OID), or nil if the directory does not know it.
func LookupMatchingRule(nameOrOID string) *MatchingRule {
	return ruleIndex[strings.ToLower(nameOrOID)]
}

// MatchingRules returns every matching rule the directory implements, for the subschema.
func MatchingRules() []*MatchingRule {
	return append([]*MatchingRule(nil), ruleList...)
}

// equal reports whether two values normalized by r's kind match under r.
func (r *MatchingRule) equal(a, b string) bool {
	if r.Equal != nil {
		return r.Equal(a, b)
	}
	return a == b
}

// phoneDigits keeps the ASCII digits of v; a value without digits does not normalize.
func phoneDigits(v string) (string, bool) {
	n := 0
	for i := 0; i < len(v); i++ {
		if c := v[i]; c >= '0' && c <= '9' {
			n++
		}
	}
	if n == 0 {
		return "", false
	}
	if n == len(v) {
		return v, true
	}
	b := make([]byte, 0, n)
	for i := 0; i < len(v); i++ {
		if c := v[i]; c >= '0' && c <= '9' {
			b = append(b, c)
		}
	}
	return string(b), true
}

// phoneEqual is the phone equality of docs/directory.md#matching: equal digit strings match;
// otherwise the last k = min(10, shorter length) digits must agree, k ≥ 6.
func phoneEqual(a, b string) bool {
	if a == b {
		return true
	}
	k := min(10, len(a), len(b))
	return k >= 6 && a[len(a)-k:] == b[len(b)-k:]
}

// normalizeBoolean accepts TRUE and FALSE in any case (RFC 4517 §3.3.3).
func normalizeBoolean(v string) (string, bool) {
	switch {
	case strings.EqualFold(strings.TrimSpace(v), "TRUE"):
		return "TRUE", true
	case strings.EqualFold(strings.TrimSpace(v), "FALSE"):
		return "FALSE", true
	}
	return "", false
}

// normalizeInteger returns the canonical decimal form of an INTEGER.
func normalizeInteger(v string) (string, bool) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return "", false
	}
	return strconv.FormatInt(n, 10), true
}

// normalizeUUID returns the lower-case 36-character form of a UUID (RFC 4530).
func normalizeUUID(v string) (string, bool) {
	u, err := uuid.Parse(strings.TrimSpace(v))
	if err != nil {
		return "", false
	}
	return u.String(), true
}

// normalizeExactIA5 checks for IA5 and applies insignificant-space handling only.
func normalizeExactIA5(v string) (string, bool) {
	for i := 0; i < len(v); i++ {
		if v[i] >= 0x80 {
			return "", false
		}
	}
	return collapseSpaces(v)
}

// normalizeOID resolves an object class, attribute type or matching rule
// name to its lower-case canonical name; other descriptors are lower-cased
// and numeric OIDs kept (objectIdentifierMatch, RFC 4517 §4.2.26).
func normalizeOID(v string) (string, bool) {
	v = strings.TrimSpace(v)
	if !isDescr(v) && !isNumericOID(v) {
		return "", false
	}
	if oc := lookupObjectClass(v); oc != nil {
		return oc.lower, true
	}
	if t := LookupAttribute(v); t != nil {
		return strings.ToLower(t.Name), true
	}
	if r := LookupMatchingRule(v); r != nil {
		return strings.ToLower(r.Name), true
	}
	return strings.ToLower(v), true
}

// normalizeOIDFirst takes the first component of a schema description
// ("( 2.5.4.3 NAME ... )") or an OID assertion, as
// objectIdentifierFirstComponentMatch compares them (RFC 4517 §4.2.27).
func normalizeOIDFirst(v string) (string, bool) {
	v = strings.TrimSpace(v)
	if rest, ok := strings.CutPrefix(v, "("); ok {
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			return "", false
		}
		v = fields[0]
	}
	if !isNumericOID(v) && !isDescr(v) {
		return "", false
	}
	return strings.ToLower(v), true
}

// normalizeDNValue is distinguishedNameMatch's normalization.
func normalizeDNValue(v string) (string, bool) {
	n, err := NormalizeDN(v)
	if err != nil {
		return "", false
	}
	return n, true
}

// isDescr reports whether s is a descr: ALPHA *( ALPHA / DIGIT / HYPHEN ) (RFC 4512 §1.4).
func isDescr(s string) bool {
	if s == "" || !isAlpha(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !isAlpha(c) && !(c >= '0' && c <= '9') && c != '-' {
			return false
		}
	}
	return true
}

// isNumericOID reports whether s is a numericoid: number 1*( DOT number ) (RFC 4512 §1.4).
func isNumericOID(s string) bool {
	parts := 0
	for p := range strings.SplitSeq(s, ".") {
		if p == "" || (len(p) > 1 && p[0] == '0') {
			return false
		}
		for i := 0; i < len(p); i++ {
			if p[i] < '0' || p[i] > '9' {
				return false
			}
		}
		parts++
	}
	return parts >= 2
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// normalizeTime parses a GeneralizedTime (RFC 4517 §3.3.13) and returns it
// in UTC with nine fraction digits, so that normalized values order as strings.
func normalizeTime(v string) (string, bool) {
	t, err := ber.ParseGeneralizedTime([]byte(strings.TrimSpace(v)))
	if err != nil {
		return "", false
	}
	return t.UTC().Format("20060102150405.000000000Z"), true
}
