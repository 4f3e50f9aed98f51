from netbuilder.cli import main

raise SystemExit(main())
