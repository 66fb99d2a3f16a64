package security

// An Action is what a client asks to do with a stream.
type Action uint8

// The actions rules apply to. The zero Action is invalid, and every check
// refuses it.
const (
	Publish Action = iota + 1
	Play
)

// String returns the action's name as written in configurations.
func (a Action) String() string {
	switch a {
	case Publish:
		return "publish"
	case Play:
		return "play"
	}
	return "unknown action"
}

// parseAction reads an action as written in a rule.
func parseAction(s string) (Action, bool) {
	switch s {
	case "publish":
		return Publish, true
	case "play":
		return Play, true
	}
	return 0, false
}
