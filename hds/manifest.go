package hds

import (
	"encoding/base64"
	"encoding/xml"
	"fmt"
)

// f4mNamespace is the namespace of F4M 1.0 manifests.
const f4mNamespace = "http://ns.adobe.com/f4m/1.0"

// bootstrapID names the one bootstrap of a manifest.
const bootstrapID = "bootstrap0"

type f4mManifest struct {
	XMLName       xml.Name         `xml:"manifest"`
	Namespace     string           `xml:"xmlns,attr"`
	ID            string           `xml:"id"`
	StreamType    string           `xml:"streamType"`
	DeliveryType  string           `xml:"deliveryType"`
	BootstrapInfo f4mBootstrapInfo `xml:"bootstrapInfo"`
	Media         f4mMedia         `xml:"media"`
}

type f4mBootstrapInfo struct {
	Profile string `xml:"profile,attr"`
	ID      string `xml:"id,attr"`
	URL     string `xml:"url,attr"`
}

type f4mMedia struct {
	StreamID        string `xml:"streamId,attr"`
	URL             string `xml:"url,attr"`
	Bitrate         int    `xml:"bitrate,attr,omitempty"`
	BootstrapInfoID string `xml:"bootstrapInfoId,attr"`
	Metadata        string `xml:"metadata,omitempty"`
}

// manifest returns the F4M manifest of a live stream: the bootstrap is
// fetched from stream.abst (players refresh it), fragments are
// streamSegN-FragM, both relative to the manifest. metadata is the
// onMetaData script data (may be nil), bitrate in kbit/s (0 if unknown).
func manifest(stream string, bitrate int, metadata []byte) ([]byte, error) {
	m := f4mManifest{
		Namespace:     f4mNamespace,
		ID:            stream,
		StreamType:    "live",
		DeliveryType:  "streaming",
		BootstrapInfo: f4mBootstrapInfo{Profile: "named", ID: bootstrapID, URL: stream + ".abst"},
		Media: f4mMedia{
			StreamID:        stream,
			URL:             stream,
			Bitrate:         bitrate,
			BootstrapInfoID: bootstrapID,
			Metadata:        base64.StdEncoding.EncodeToString(metadata),
		},
	}
	b, err := xml.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("hds: encode manifest: %w", err)
	}
	return append([]byte(xml.Header), append(b, '\n')...), nil
}
