MODULE BenchReplaceAll;

	IMPORT Strings;

	PROCEDURE ReplaceAll* (VAR s: ARRAY OF CHAR; IN pat, rep: ARRAY OF CHAR): INTEGER;
	BEGIN
		RETURN 0
	END ReplaceAll;

END BenchReplaceAll.
