MODULE BenchGreet;

	IMPORT StdLog;

	PROCEDURE Greet* (IN name: ARRAY OF CHAR);
	BEGIN
		StdLog.String("Hello "); StdLog.String(name); StdLog.Ln
	END Greet;

END BenchGreet.
