"""The load stage: where files live, how they are read, validated and written."""
