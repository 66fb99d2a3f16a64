package flv

import "strconv"

// VideoInfo summarizes a sequence parameter set the way a streaming server
// reports it.
type VideoInfo struct {
	Codec string // "H264" or "H265"
	// Profile is the profile name as SRS reports it: "Baseline", "Main",
	// "High", "High(10)", ... for H.264 and "Main", "Main10",
	// "Main Still Picture", "Rext" for H.265; "Other" when unknown.
	Profile string
	// Level is the level number, "3.1", "4", "1b".
	Level         string
	Width, Height int // display size, after cropping (conformance window)

	ProfileIDC   int // profile_idc (H.265: general_profile_idc)
	LevelIDC     int // level_idc (H.265: general_level_idc)
	ChromaFormat int // chroma_format_idc: 0 mono, 1 4:2:0, 2 4:2:2, 3 4:4:4
	BitDepth     int // luma bit depth

	// FrameRate is the frame rate the VUI's timing info gives (H.264), 0
	// when the SPS has none.
	FrameRate float64
}

// h264ProfileName names an H.264 profile as SRS does.
func h264ProfileName(profileIDC, constraints uint8) string {
	intra := constraints&0x10 != 0 // constraint_set3_flag
	switch profileIDC {
	case 66:
		return "Baseline"
	case 77:
		return "Main"
	case 88:
		return "Extended"
	case 100:
		return "High"
	case 110:
		if intra {
			return "High(10+Intra)"
		}
		return "High(10)"
	case 122:
		if intra {
			return "High(422+Intra)"
		}
		return "High(422)"
	case 144:
		return "High(444)"
	case 244:
		if intra {
			return "High(444+Intra)"
		}
		return "High(444+Predictive)"
	}
	return "Other"
}

// h264LevelName formats level_idc (Annex A: level_idc is ten times the
// level number; level 1b is 9, or 11 with constraint_set3_flag in the
// Baseline, Main and Extended profiles).
func h264LevelName(profileIDC, constraints, levelIDC uint8) string {
	if levelIDC == 9 || levelIDC == 11 && constraints&0x10 != 0 &&
		(profileIDC == 66 || profileIDC == 77 || profileIDC == 88) {
		return "1b"
	}
	return levelName(int(levelIDC)/10, int(levelIDC)%10)
}

// h265ProfileName names an H.265 profile as SRS does.
func h265ProfileName(profileIDC uint8, compatibility uint32) string {
	if profileIDC == 0 {
		// Fall back to the first profile the stream claims compatibility
		// with (general_profile_compatibility_flag[j], j = 1..4).
		for j := uint8(1); j <= 4; j++ {
			if compatibility&(1<<(31-j)) != 0 {
				profileIDC = j
				break
			}
		}
	}
	switch profileIDC {
	case 1:
		return "Main"
	case 2:
		return "Main10"
	case 3:
		return "Main Still Picture"
	case 4:
		return "Rext"
	}
	return "Other"
}

// h265LevelName formats general_level_idc, which is 30 times the level
// number.
func h265LevelName(levelIDC uint8) string {
	return levelName(int(levelIDC)/30, int(levelIDC)%30/3)
}

func levelName(major, minor int) string {
	if minor == 0 {
		return strconv.Itoa(major)
	}
	return strconv.Itoa(major) + "." + strconv.Itoa(minor)
}
