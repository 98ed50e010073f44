from sentinel_cli.commands import main

main()
