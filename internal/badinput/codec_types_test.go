package badinput_test

import (
	"time"

	"github.com/tenantrepo/tenantrepo/entity"
)

// The entity types of the codec cases (codec_test.go): the library's own
// expression placeholders as attribute names (issue 10, item 3), names that
// differ only in case (item 4), types and stored items attributevalue
// panicked on (item 5), and updates that stored what does not decode
// (item 6).

// vx is versioned and expiring, so that its writes use several of the
// repository's own expression names (PK, the version, the expiry).
type vx struct {
	ID      string `dynamodbav:"-"`
	Name    string `dynamodbav:"name"`
	Version int64  `dynamodbav:"version"`
	Exp     int64  `dynamodbav:"exp"`
}

func (vx) EntityPrefix() string     { return "vx" }
func (v vx) EntityID() string       { return v.ID }
func (v *vx) SetEntityID(id string) { v.ID = id }
func (vx) VersionAttribute() string { return "version" }
func (vx) ExpiryAttribute() string  { return "exp" }

// cased has fields whose names differ only in case from the library's keys
// (a field tagged "pk", one named Sk) and an indexed attribute user_id.
type cased struct {
	ID     string `dynamodbav:"-"`
	Pk     string `dynamodbav:"pk"`
	Sk     string `dynamodbav:",omitempty"`
	UserID string `dynamodbav:"user_id"`
	Grp    string `dynamodbav:"grp"`
	Inner  inner  `dynamodbav:"inner"`
}

type inner struct {
	Name string `dynamodbav:"name"`
	N    int    `dynamodbav:"n"`
}

func (cased) EntityPrefix() string     { return "cased" }
func (c cased) EntityID() string       { return c.ID }
func (c *cased) SetEntityID(id string) { c.ID = id }
func (cased) Indexes() []entity.Index {
	return []entity.Index{{Name: "by-user", Slot: 1, PartitionAttr: "user_id", SortAttr: "grp"}}
}

// typed has a field of each kind an UpdateExpr can write a wrong value to.
type typed struct {
	ID    string            `dynamodbav:"-"`
	Age   int               `dynamodbav:"age"`
	Small int8              `dynamodbav:"small"`
	U     uint16            `dynamodbav:"u"`
	F     float32           `dynamodbav:"f"`
	B     bool              `dynamodbav:"b"`
	S     string            `dynamodbav:"s"`
	Tags  []string          `dynamodbav:"tags,stringset,omitempty"`
	Nums  []int             `dynamodbav:"nums"`
	M     map[string]int    `dynamodbav:"m"`
	At    time.Time         `dynamodbav:"at,unixtime"`
	Fixed [4]byte           `dynamodbav:"fixed"`
	In    inner             `dynamodbav:"in"`
	Ptr   *inner            `dynamodbav:"ptr"`
	Any   any               `dynamodbav:"any"`
	Str   int               `dynamodbav:"str,string"`
	Blobs [][2]byte         `dynamodbav:"blobs"`
	MM    map[string]*inner `dynamodbav:"mm"`
}

func (typed) EntityPrefix() string     { return "typed" }
func (t typed) EntityID() string       { return t.ID }
func (t *typed) SetEntityID(id string) { t.ID = id }

// Types repo.New must refuse (prefix "bad", see types_test.go), each with
// a field attributevalue stores but panics on when it decodes.
type hidden struct {
	Secret string `dynamodbav:"secret"`
}
type embedsHiddenPtr struct {
	badBase
	*hidden
	ID string `dynamodbav:"id"`
}
type withStringer struct {
	badBase
	S interface{ String() string } `dynamodbav:"s"`
}
type stringerInSlice struct {
	badBase
	S []interface{ String() string } `dynamodbav:"s"`
}
type label string
type embedsUnexportedNamed struct {
	badBase
	label
}
type hiddenPtrNested struct {
	badBase
	In struct {
		*hidden
	} `dynamodbav:"in"`
}

// Types repo.New accepts, each then run through Create, Get and List.
type Exported struct {
	Secret string `dynamodbav:"secret"`
}
type okEmbedsPtr struct {
	ID string `dynamodbav:"-"`
	*Exported
}
type okEmbedsHidden struct {
	ID string `dynamodbav:"-"`
	hidden
}
type okIgnoredHiddenPtr struct {
	ID      string `dynamodbav:"-"`
	*hidden `dynamodbav:"-"`
}
type okTaggedHidden struct {
	ID     string `dynamodbav:"-"`
	hidden `dynamodbav:"h"`
}

func (okTaggedHidden) EntityPrefix() string     { return "ok7" }
func (v okTaggedHidden) EntityID() string       { return v.ID }
func (v *okTaggedHidden) SetEntityID(id string) { v.ID = id }

type okArrays struct {
	ID    string     `dynamodbav:"-"`
	A     [4]byte    `dynamodbav:"a"`
	L     [3]int     `dynamodbav:"l"`
	Bs    [][4]byte  `dynamodbav:"bs"`
	Nest  [2][2]byte `dynamodbav:"nest"`
	Any   any        `dynamodbav:"any"`
	Anies []any      `dynamodbav:"anies"`
}
type okPointers struct {
	ID  string            `dynamodbav:"-"`
	P   *int              `dynamodbav:"p"`
	PP  **string          `dynamodbav:"pp"`
	PS  *inner            `dynamodbav:"ps"`
	MP  map[string]*inner `dynamodbav:"mp"`
	T   *time.Time        `dynamodbav:"t"`
	Rec *okRecursive      `dynamodbav:"rec"`
}
type okRecursive struct {
	Kids []okRecursive `dynamodbav:"kids"`
	Name string        `dynamodbav:"name"`
}
type okTagged struct {
	ID   string            `dynamodbav:"-"`
	N    int               `dynamodbav:"n,string"`
	O    string            `dynamodbav:"o,omitempty"`
	Null string            `dynamodbav:"null,nullempty"`
	U    time.Time         `dynamodbav:"u,unixtime"`
	SS   []string          `dynamodbav:"ss,stringset"`
	NS   []int             `dynamodbav:"ns,numberset"`
	BS   [][]byte          `dynamodbav:"bs,binaryset"`
	M    map[int]string    `dynamodbav:"m"`
	MB   map[bool][]string `dynamodbav:"mb"`
}

func (okEmbedsPtr) EntityPrefix() string            { return "ok1" }
func (v okEmbedsPtr) EntityID() string              { return v.ID }
func (okEmbedsHidden) EntityPrefix() string         { return "ok2" }
func (v okEmbedsHidden) EntityID() string           { return v.ID }
func (okIgnoredHiddenPtr) EntityPrefix() string     { return "ok3" }
func (v okIgnoredHiddenPtr) EntityID() string       { return v.ID }
func (okArrays) EntityPrefix() string               { return "ok4" }
func (v okArrays) EntityID() string                 { return v.ID }
func (okPointers) EntityPrefix() string             { return "ok5" }
func (v okPointers) EntityID() string               { return v.ID }
func (okTagged) EntityPrefix() string               { return "ok6" }
func (v okTagged) EntityID() string                 { return v.ID }
func (v *okEmbedsPtr) SetEntityID(id string)        { v.ID = id }
func (v *okEmbedsHidden) SetEntityID(id string)     { v.ID = id }
func (v *okIgnoredHiddenPtr) SetEntityID(id string) { v.ID = id }
func (v *okArrays) SetEntityID(id string)           { v.ID = id }
func (v *okPointers) SetEntityID(id string)         { v.ID = id }
func (v *okTagged) SetEntityID(id string)           { v.ID = id }
