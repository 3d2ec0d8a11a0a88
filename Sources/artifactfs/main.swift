import ArtifactFSCLI

ArtifactFS.main()
