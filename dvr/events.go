package dvr

import "time"

// FileInfo describes a closed recording file: what SRS's on_dvr callback
// posts (cwd, file and the stream), with its length.
type FileInfo struct {
	Stream StreamID
	// Path is the file's path as dvr_path made it (relative paths are
	// relative to Cwd).
	Path string
	// Cwd is the working directory of the process.
	Cwd      string
	Opened   time.Time // wall clock when the file was created
	Duration time.Duration
	Size     int64
}

// Events receives notices from a Recorder, on the recorder's goroutine: a
// slow handler delays recording, so callbacks that do I/O (SRS's on_dvr
// HTTP hook) should be made asynchronously.
type Events interface {
	// OnDVR is called after a file is closed and renamed to its path.
	OnDVR(FileInfo)
}
