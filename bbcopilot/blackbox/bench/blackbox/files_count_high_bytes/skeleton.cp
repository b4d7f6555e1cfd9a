MODULE BenchFileBytes;

	IMPORT Files;

	PROCEDURE CountHigh* (IN name: ARRAY OF CHAR): INTEGER;
	BEGIN
		RETURN 0
	END CountHigh;

END BenchFileBytes.
