import ArtifactFSCLI

ArtifactFSCommand.main()
