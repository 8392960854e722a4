# After /etc/hosts, before any network source: names of ours never leave the host.
hosts after=files usernetns
