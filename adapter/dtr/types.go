package dtr

import (
	"github.com/hubwire/hubwire/adapter"
)

// Registry describes Docker Trusted Registry to the rest of hubwire.
var Registry = adapter.Registry{
	Name:  SourceName,
	Title: "DTR",
	Types: types,
	// Some DTR versions send all three repository events as REPO_EVENT,
	// naming the one it is in contents.event.
	Aliases:       map[string]string{repoEvent: "repo-event-envelope"},
	Samples:       Samples,
	DefaultSample: "tag-push",
	Freshen:       freshen,
	New:           func(schemaBase string) adapter.Decoder { return New(schemaBase) },
}

// types are DTR's event types. The five DTR does not document (pulls,
// promotion, mirroring) are read like the documented tag and manifest
// events and keep whatever else comes.
var types = []adapter.EventType{
	{Native: "TAG_PUSH", Type: "com.docker.dtr.tag.push", Kind: "tag_push", Action: "tag.push", Schema: "dtr.tag.push", Sample: "tag-push", Summary: "A tag was pushed to a repository."},
	{Native: "TAG_PULL", Type: "com.docker.dtr.tag.pull", Kind: "tag_pull", Action: "tag.pull", Schema: "dtr.tag.pull", Sample: "tag-pull", Summary: "A tag was pulled from a repository."},
	{Native: "TAG_DELETE", Type: "com.docker.dtr.tag.delete", Kind: "tag_delete", Action: "tag.delete", Schema: "dtr.tag.delete", Sample: "tag-delete", Summary: "A tag was deleted from a repository."},
	{Native: "MANIFEST_PUSH", Type: "com.docker.dtr.manifest.push", Kind: "manifest_push", Action: "manifest.push", Schema: "dtr.manifest.push", Sample: "manifest-push", Summary: "A manifest was pushed to a repository."},
	{Native: "MANIFEST_PULL", Type: "com.docker.dtr.manifest.pull", Kind: "manifest_pull", Action: "manifest.pull", Schema: "dtr.manifest.pull", Sample: "manifest-pull", Summary: "A manifest was pulled from a repository."},
	{Native: "MANIFEST_DELETE", Type: "com.docker.dtr.manifest.delete", Kind: "manifest_delete", Action: "manifest.delete", Schema: "dtr.manifest.delete", Sample: "manifest-delete", Summary: "A manifest was deleted from a repository."},
	{Native: "SCAN_COMPLETED", Type: "com.docker.dtr.scan.completed", Kind: "scan_completed", Action: "scan.completed", Schema: "dtr.scan.completed", Sample: "scan-completed", Summary: "A security scan completed."},
	{Native: "SCAN_FAILED", Type: "com.docker.dtr.scan.failed", Kind: "scan_failed", Action: "scan.failed", Schema: "dtr.scan.failed", Sample: "scan-failed", Summary: "A security scan failed."},
	{Native: "PROMOTION", Type: "com.docker.dtr.image.promoted", Kind: "promotion", Action: "image.promoted", Schema: "dtr.image.promoted", Sample: "promotion", Summary: "An image was promoted from a repository."},
	{Native: "PUSH_MIRRORING", Type: "com.docker.dtr.mirror.pushed", Kind: "push_mirroring", Action: "mirror.pushed", Schema: "dtr.mirror.pushed", Sample: "push-mirroring", Summary: "An image was mirrored to a remote repository."},
	{Native: "POLL_MIRRORING", Type: "com.docker.dtr.mirror.polled", Kind: "poll_mirroring", Action: "mirror.polled", Schema: "dtr.mirror.polled", Sample: "poll-mirroring", Summary: "An image was mirrored from a remote repository."},
	{Native: "REPO_CREATED", Type: "com.docker.dtr.repo.created", Kind: "repo_created", Action: "repo.created", Schema: "dtr.repo.created", Sample: "repo-created", Summary: "A repository was created.", Envelope: repoEvent},
	{Native: "REPO_UPDATED", Type: "com.docker.dtr.repo.updated", Kind: "repo_updated", Action: "repo.updated", Schema: "dtr.repo.updated", Sample: "repo-updated", Summary: "A repository was updated.", Envelope: repoEvent},
	{Native: "REPO_DELETED", Type: "com.docker.dtr.repo.deleted", Kind: "repo_deleted", Action: "repo.deleted", Schema: "dtr.repo.deleted", Sample: "repo-deleted", Summary: "A repository was deleted.", Envelope: repoEvent},
	{Native: "SCANNER_UPDATE_COMPLETED", Type: "com.docker.dtr.scanner.updated", Kind: "scanner_update_completed", Action: "scanner.updated", Schema: "dtr.scanner.updated", Sample: "scanner-update-completed", Summary: "The vulnerability database update completed.", Global: true},
}

// repoEvent is the envelope type some DTR versions use for all three
// repository events, naming the one it is in contents.event.
const repoEvent = "REPO_EVENT"
