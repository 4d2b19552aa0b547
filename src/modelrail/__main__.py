from modelrail.cli import main

main()
