package verdict

import (
	"slices"
)

// proposeList builds the complete list to write. It starts with the configured entries
// that still match a sent certificate, in stored order, and appends the missing keep
// entries and then the missing needed values. The needed values are sorted, so the
// same observations give the same list. Malformed entries and placeholders are never
// in e.valid, and entries that match nothing observed are dropped unless kept.
//
// When the list has more than MaxThumbprints entries, leaf pins that are neither kept
// nor needed are dropped, earliest stored first, until it fits: each leaf-matched
// chain gets its CA value added, so its leaf pin is redundant. fits is false when the
// list still has too many entries; list is then what the provider would need.
func proposeList(e entries, obs observed, needed []string) (list []string, fits bool) {
	for _, value := range e.valid {
		if obs.stale(value) && !e.kept(value) {
			continue
		}
		list = append(list, value)
	}
	for _, value := range e.keep {
		if !slices.Contains(list, value) {
			list = append(list, value)
		}
	}

	var added []string
	for _, value := range needed {
		if !slices.Contains(list, value) && !slices.Contains(added, value) {
			added = append(added, value)
		}
	}
	slices.Sort(added)
	list = append(list, added...)

	for i := 0; len(list) > MaxThumbprints && i < len(list); {
		value := list[i]
		if obs.leafPin(value) && !e.kept(value) && !slices.Contains(needed, value) {
			list = slices.Delete(list, i, i+1)
			continue
		}
		i++
	}
	return list, len(list) <= MaxThumbprints
}
