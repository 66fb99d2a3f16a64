package kafkatest

import "os"

// tempDir holds the built broker for the life of the test binary (a test's
// TempDir would go with the first test).
func tempDir() (string, error) { return os.MkdirTemp("", "kafkatest-") }
