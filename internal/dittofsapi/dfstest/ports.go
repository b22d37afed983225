package dfstest

// LockDefaultAdapterPorts takes the machine-wide lock that every dfs started for tests holds
// while its adapters sit on the seeded ports (NFS 12049, SMB 1445), before they are moved to free
// ones. Other harnesses that start dfs (the e2e kubelet) take it too, so they never collide.
func LockDefaultAdapterPorts() (unlock func(), err error) { return lockDefaultPorts() }
