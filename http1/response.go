package http1

import "strconv"

// StatusText returns the standard reason phrase for an HTTP status code,
// or "" if the code is not one cascade uses.
func StatusText(code int) string {
	switch code {
	case 100:
		return "Continue"
	case 101:
		return "Switching Protocols"
	case 200:
		return "OK"
	case 201:
		return "Created"
	case 202:
		return "Accepted"
	case 204:
		return "No Content"
	case 206:
		return "Partial Content"
	case 301:
		return "Moved Permanently"
	case 302:
		return "Found"
	case 303:
		return "See Other"
	case 304:
		return "Not Modified"
	case 307:
		return "Temporary Redirect"
	case 308:
		return "Permanent Redirect"
	case 400:
		return "Bad Request"
	case 401:
		return "Unauthorized"
	case 403:
		return "Forbidden"
	case 404:
		return "Not Found"
	case 405:
		return "Method Not Allowed"
	case 406:
		return "Not Acceptable"
	case 408:
		return "Request Timeout"
	case 409:
		return "Conflict"
	case 410:
		return "Gone"
	case 411:
		return "Length Required"
	case 412:
		return "Precondition Failed"
	case 413:
		return "Content Too Large"
	case 414:
		return "URI Too Long"
	case 415:
		return "Unsupported Media Type"
	case 416:
		return "Range Not Satisfiable"
	case 417:
		return "Expectation Failed"
	case 426:
		return "Upgrade Required"
	case 429:
		return "Too Many Requests"
	case 431:
		return "Request Header Fields Too Large"
	case 500:
		return "Internal Server Error"
	case 501:
		return "Not Implemented"
	case 502:
		return "Bad Gateway"
	case 503:
		return "Service Unavailable"
	case 504:
		return "Gateway Timeout"
	case 505:
		return "HTTP Version Not Supported"
	}
	return ""
}

// AppendStatusLine appends "HTTP/1.1 <status> <reason>\r\n" to dst. It
// panics if status is not a three-digit code.
func AppendStatusLine(dst []byte, status int) []byte {
	if status < 100 || status > 999 {
		panic("http1: invalid status code " + strconv.Itoa(status))
	}
	dst = append(dst, "HTTP/1.1 "...)
	dst = strconv.AppendInt(dst, int64(status), 10)
	dst = append(dst, ' ')
	dst = append(dst, StatusText(status)...)
	return append(dst, "\r\n"...)
}

// AppendHeader appends the field line "name: value\r\n" to dst. CR and LF
// in name or value are replaced by spaces so that a value taken from a
// request cannot inject fields.
func AppendHeader(dst []byte, name, value string) []byte {
	dst = appendNoNewlines(dst, name)
	dst = append(dst, ": "...)
	dst = appendNoNewlines(dst, value)
	return append(dst, "\r\n"...)
}

func appendNoNewlines(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\r' || c == '\n' {
			c = ' '
		}
		dst = append(dst, c)
	}
	return dst
}

// AppendResponseHead appends a complete response head to dst: the status
// line, the fields given as alternating names and values, and the empty
// line. It panics if headers has an odd length.
//
// To add fields from other helpers such as [AppendCORS], build the head
// from [AppendStatusLine] and [AppendHeader] and end it with "\r\n".
func AppendResponseHead(dst []byte, status int, headers ...string) []byte {
	if len(headers)%2 != 0 {
		panic("http1: AppendResponseHead: odd number of header arguments")
	}
	dst = AppendStatusLine(dst, status)
	for i := 0; i < len(headers); i += 2 {
		dst = AppendHeader(dst, headers[i], headers[i+1])
	}
	return append(dst, "\r\n"...)
}

// corsFields are the CORS fields SRS (SrsHttpCorsMux) sends when
// http_server.crossdomain is on and the request has an Origin header. SRS
// uses no cookies, so it allows any origin, method and header without
// credentials. For Private Network Access SRS sends the request field name
// Access-Control-Request-Private-Network; the response field that Chrome
// checks is Access-Control-Allow-Private-Network, which is sent here.
const corsFields = "Access-Control-Allow-Origin: *\r\n" +
	"Access-Control-Allow-Headers: *\r\n" +
	"Access-Control-Allow-Methods: *\r\n" +
	"Access-Control-Expose-Headers: *\r\n" +
	"Access-Control-Allow-Credentials: false\r\n" +
	"Access-Control-Allow-Private-Network: true\r\n"

// AppendCORS appends to a response head under construction the
// cross-origin fields that let browser players (flv.js, hls.js) on any
// origin read the stream. Like SRS, a server sends them when cross-domain
// access is enabled and the request has an Origin header, and answers an
// OPTIONS preflight with them and 200 (405 when disabled).
func AppendCORS(dst []byte) []byte {
	return append(dst, corsFields...)
}

// AppendError appends a complete response with status and its reason
// phrase as a text/plain body, as SRS's srs_go_http_error does. Unless
// keepAlive, the response says "Connection: close" and the caller closes
// the connection after writing it. For a HEAD request the caller sends the
// head only, up to the empty line.
func AppendError(dst []byte, status int, keepAlive bool) []byte {
	body := StatusText(status)
	if body == "" {
		body = "Status " + strconv.Itoa(status)
	}
	dst = AppendStatusLine(dst, status)
	dst = append(dst, "Content-Type: text/plain; charset=utf-8\r\nContent-Length: "...)
	dst = strconv.AppendInt(dst, int64(len(body)), 10)
	dst = append(dst, "\r\n"...)
	if !keepAlive {
		dst = append(dst, "Connection: close\r\n"...)
	}
	dst = append(dst, "\r\n"...)
	return append(dst, body...)
}
