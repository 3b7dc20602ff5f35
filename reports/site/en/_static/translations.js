Documentation.addTranslations({
 "locale": "en",
 "messages": {
  ", in ": ", in",
  "Hide Search Matches": "Hide search matches",
  "Preparing search...": "Preparing search …",
  "Search": "Search",
  "Search Results": "Search Results",
  "Search finished, found one page matching the search query.": [
   "Search finished: 1 page matches the search.",
   "Search finished: ${resultCount} pages match the search."
  ],
  "Searching": "Searching",
  "Your search did not match any documents. Please make sure that all words are spelled correctly and that you've selected enough categories.": "No page matches the search. Check the spelling or try another word."
 },
 "plural_expr": "n === 1 ? 0 : 1"
});
