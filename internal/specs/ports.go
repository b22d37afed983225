package specs

// Ports inside the server pod. The server runs as a non-root user under the restricted pod
// security profile, so it cannot bind ports below 1024: it listens on its own defaults and the
// data-plane Service maps the user's ports (2049, 445) onto them.
const (
	APIPort = 8080
	// NFSContainerPort is the port the DittoFS server seeds for its NFS adapter on first boot.
	NFSContainerPort = 12049
	// SMBContainerPort is the port the DittoFS server seeds for its SMB adapter on first boot.
	SMBContainerPort = 1445

	APIPortName     = "api"
	NFSPortName     = "nfs"
	SMBPortName     = "smb"
	MetricsPortName = "metrics"
)

// Paths inside the server pod.
const (
	ConfigDir       = "/config"
	ConfigFileName  = "config.yaml"
	ControlPlaneDir = "/data/controlplane"
	MetadataDir     = "/data/metadata"
	PayloadDir      = "/data/payload"
	SQLitePath      = ControlPlaneDir + "/controlplane.db"
)
