package hooks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
)

var errEmptyBody = errors.New("empty response body")

// verdict applies SRS's rule (SrsHttpHooks::do_post) to an answer: status
// 200 or 201, and a body that is the number 0 or a JSON object whose
// "code" is the integer 0. A nil result accepts.
//
// SRS compares a bare number with "0" byte for byte; here JSON whitespace
// around it is allowed, so "0\n" from a print statement accepts too.
func verdict(status int, body []byte) error {
	if err := checkStatus(status); err != nil {
		return err
	}
	return checkBody(body)
}

// checkStatus accepts 200 and 201.
func checkStatus(status int) error {
	if status != http.StatusOK && status != http.StatusCreated {
		return fmt.Errorf("HTTP status %d", status)
	}
	return nil
}

// checkBody accepts 0 and {"code":0}.
func checkBody(body []byte) error {
	b := bytes.Trim(body, " \t\r\n")
	if len(b) == 0 {
		return errEmptyBody
	}
	if !json.Valid(b) {
		return errors.New("response is not JSON")
	}
	if b[0] != '{' {
		// As SRS: the plain answer is exactly "0", nothing around it.
		if string(body) == "0" {
			return nil
		}
		return errors.New("response is neither 0 nor a JSON object")
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(b, &obj); err != nil {
		return fmt.Errorf("response object: %w", err)
	}
	raw, ok := obj["code"]
	if !ok {
		return errors.New(`response object has no "code"`)
	}
	// SRS wants a JSON integer: "0", 0.0 and 0e0 are not.
	code, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil {
		return fmt.Errorf(`response "code" %s is not an integer`, raw)
	}
	if code != 0 {
		return fmt.Errorf(`response "code" is %d`, code)
	}
	return nil
}
